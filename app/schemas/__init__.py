"""Response schemas: what the API promises clients, as published in the OpenAPI document."""
