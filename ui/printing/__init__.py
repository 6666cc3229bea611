"""Print preview, printing and saving as PDF: the app's side of the reports the services build."""
