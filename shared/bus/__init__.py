"""The NATS JetStream bus: provisioning, publishing, dead-lettering and the stage app factory."""
