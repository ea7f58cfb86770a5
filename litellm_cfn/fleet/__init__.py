"""Fleets: one platform rolled out to many accounts and regions through CloudFormation
StackSets. The fleet file and its variants (`model`, `load`), names that must not collide
(`names`), the review predicted from templates (`predict`), stack sets on AWS (`stacksets`),
the plan of waves (`plan`) and the flows (`flow`)."""
