// swift-tools-version: 6.1
import PackageDescription

// Module layout and dependency direction: see docs/decisions/0001-module-layout.md.
// The pure core (Blueprint, Planning, Scaling, Costing, Simulation) performs no I/O and reads no clock.
let package = Package(
    name: "Ballast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ballast", targets: ["BallastCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
    ],
    targets: [
        // C libraries, each behind exactly one Swift module.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // hiredis's pkg-config adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses; its header is on the default path.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // The compiler's cache prefetch hints, for the scaling engine (a header of two inline functions, no library).
        .systemLibrary(name: "CPrefetch"),

        // Pure core.
        .target(name: "Blueprint", dependencies: ["CYAML"]),
        .target(name: "Planning", dependencies: ["Blueprint"]),
        .target(name: "Scaling", dependencies: ["Blueprint", "CPrefetch"]),
        .target(name: "Costing", dependencies: ["Blueprint"]),
        .target(name: "Simulation", dependencies: ["Scaling", "Costing", "Blueprint"]),

        // Adapters.
        .target(name: "Hosting", dependencies: [
            "Planning", "Blueprint",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            // SandboxServer stops Hummingbird through a ServiceGroup's graceful shutdown.
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "RedisClient", dependencies: ["CHiredis"]),
        // --state redis://: Hosting's StateStore kept in Redis; Hosting itself does not link hiredis.
        .target(name: "StateRedis", dependencies: ["Hosting", "Planning", "RedisClient"]),
        .target(name: "MetricSources", dependencies: [
            "RedisClient", "Hosting", "Blueprint",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Controller", dependencies: [
            "Blueprint", "Planning", "Scaling", "Costing", "Hosting", "MetricSources", "RedisClient",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "Reports", dependencies: ["Blueprint", "Planning", "Scaling", "Costing", "Simulation"]),

        // Composition root.
        .executableTarget(name: "BallastCLI", dependencies: [
            "Blueprint", "Planning", "Scaling", "Costing", "Simulation", "Hosting", "RedisClient",
            "MetricSources", "Controller", "Reports", "StateRedis",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test helpers shared by the suites: child processes, free ports, redis-server and prometheus started per test.
        .target(name: "TestSupport", dependencies: ["RedisClient", "Hosting"], path: "Tests/TestSupport"),

        .testTarget(name: "BlueprintTests", dependencies: ["Blueprint"], exclude: ["Fixtures"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Blueprint", "Hosting", "Reports"]),
        .testTarget(name: "ScalingTests", dependencies: ["Scaling", "Blueprint"]),
        .testTarget(name: "CostingTests", dependencies: ["Costing", "Blueprint", "Reports"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Scaling", "Costing", "Blueprint", "Reports"]),
        .testTarget(name: "HostingTests", dependencies: ["Hosting", "Blueprint", "Planning", "StateRedis", "RedisClient", "TestSupport"]),
        .testTarget(name: "MetricSourcesTests", dependencies: ["MetricSources", "RedisClient", "Hosting", "TestSupport"]),
        .testTarget(name: "ControllerTests", dependencies: ["Controller", "Hosting", "MetricSources", "RedisClient", "Scaling", "Blueprint", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Blueprint", "Hosting", "RedisClient", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
