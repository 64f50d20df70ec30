"""The Hooky worker: claims due attempts from MongoDB and calls their webhooks."""
