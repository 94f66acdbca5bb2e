"""Renderers of a recording: GitOps YAML and Argo CD Applications, Mermaid."""
