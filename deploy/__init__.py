"""Deployment of the complaint platform: Kubernetes manifests and the no-Docker local stack."""
