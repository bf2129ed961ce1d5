// A model is read under a policy (the names it gives fields, the evidence KVM's code is searched for), and
// what reads a model (the rules, the reporters) reads the policy beside it: importing KernelModel brings it.
@_exported import Policy
