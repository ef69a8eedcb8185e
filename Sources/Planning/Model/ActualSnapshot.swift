/// The actual resources a plan compares with, as read from the provider.
///
/// `envVars` holds the env vars of the services whose env vars were read (by service ID); a service
/// missing from it was not read because its state says nothing changed (see
/// ``Planner/servicesNeedingEnvVars(desired:services:state:secrets:)``).
public struct ActualSnapshot: Sendable, Equatable, Codable {
    public var ownerId: String?
    public var services: [LiveService]
    public var datastores: [LiveDatastore]
    public var envVars: [String: [LiveEnvVar]]

    public init(ownerId: String? = nil, services: [LiveService] = [], datastores: [LiveDatastore] = [],
                envVars: [String: [LiveEnvVar]] = [:]) {
        self.ownerId = ownerId
        self.services = services
        self.datastores = datastores
        self.envVars = envVars
    }
}
