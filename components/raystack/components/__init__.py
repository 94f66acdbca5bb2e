"""The public components: thin ComponentResources (args -> model -> cloud builders), one per module."""
