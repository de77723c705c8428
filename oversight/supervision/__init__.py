"""The life of a certificate after issuance: surveillance, the sweep of rules that suspend,
withdraw and expire, the holder's requests, renewal and the factor impact report."""
