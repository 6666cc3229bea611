"""The partnership's own set-up: its name and marking, panels, agencies, settings, retention."""
