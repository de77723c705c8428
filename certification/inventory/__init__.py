"""An application's inventory and the reviewer's workbench: the dossier's rules around the
footprint engine (who reads and edits which version, under which lock), its pages and API."""
