"""Cloud resource layers behind one interface (``base.ClusterBackend``); AWS/EKS today."""
