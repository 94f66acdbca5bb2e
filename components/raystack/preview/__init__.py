"""raystack.preview: the ``raystack plan`` command (report, cost, checks, GitOps and Mermaid rendering).

Importing it is cheap: Pulumi, rich and the validators load inside the command.
"""
