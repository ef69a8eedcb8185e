// Scaling module.
