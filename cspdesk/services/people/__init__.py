"""One person, one picture (issue 20): a chronology across the panels the user may see, "also known to", and CARM's map of young people, groups and places."""
