"""Templates -> AWS: clients and their errors, the artifacts bucket, packaging, change sets
and the decisions on stack states, the review, events, the deploy flow and the outputs."""
