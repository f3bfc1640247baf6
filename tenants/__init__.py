"""The public schema: the tenant registry (Tenant, Domain) and provisioning of tenants."""
