import ArgumentParser
import KernelModel

/// Where the policy and the configuration file come from: every command that reads a tree takes these.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"), help: ArgumentHelp("A policy file to use instead of the shipped one.", valueName: "file"))
    var file: String?

    @Option(
        help: ArgumentHelp(
            "A policy file whose entries are added to the policy (replacing entries with the same key).",
            valueName: "file"))
    var policyAdditions: String?

    @Option(help: ArgumentHelp("A configuration file to use instead of the tree's .ftrlint.yaml.", valueName: "file"))
    var config: String?

    /// The configuration of a run on `tree`: --config's file, else the tree's `.ftrlint.yaml`, else none.
    func configuration(tree: String) throws -> Configuration {
        try Configuration.load(explicit: config, tree: tree)
    }

    /// The policy: --policy's or the shipped one, with the configuration's additions and then --policy-additions'.
    func load(_ configuration: Configuration = Configuration()) throws -> Policy {
        var policy = try file.map { try Policy.load(file: $0) } ?? Policy.shipped()
        for additions in [configuration.policyAdditions, policyAdditions].compactMap({ $0 }) {
            policy = policy.merging(additions: try Policy.load(file: additions))
        }
        return policy
    }

    /// The policy of a run on `tree`, the tree's configuration included.
    func load(tree: String) throws -> Policy { try load(try configuration(tree: tree)) }
}
