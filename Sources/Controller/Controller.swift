// Controller module.
