// Hosting module.
