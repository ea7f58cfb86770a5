"""Service Catalog publishing: the catalog template, its launch role, and the publish flow."""
