"""Spec -> templates: the compiler and its wiring, the root's composed outputs, tags and
quotas, the YAML renderer, the all-or-nothing writer, cfn-lint, and the `build` step that
runs them; and the Service Catalog launch role's template, built with the platform's."""
