"""peerproof: prove what peered cloud networks can and cannot reach."""

__version__ = "0.1.0"
