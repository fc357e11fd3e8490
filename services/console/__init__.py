"""The web console: server-rendered pages over the services' HTTP APIs (a backend-for-frontend)."""
