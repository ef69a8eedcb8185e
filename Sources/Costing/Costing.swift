// Costing module.
