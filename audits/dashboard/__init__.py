"""The counts the regulator's dashboard reads (`facts`), written by every app in the
transaction of the change it counts; the dashboard itself is in `oversight.dashboard`."""
