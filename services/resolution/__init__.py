"""Resolution: the case of a complaint, from investigation to closure."""
