import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Hosting
import Testing

/// The real transport's timeout, against a server that accepts connections and never answers.
@Suite("URLSessionTransport")
struct URLSessionTransportTests {
    /// A listening socket that never accepts: the kernel completes the handshake, nothing replies.
    final class SilentServer {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw TransportError("cannot listen: errno \(errno)")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            descriptor = fd
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(descriptor) }
    }

    /// libcurl alone gave up after 3 ms on a 0.8 s timeout and after 1 s on 1.5 s; the limit must
    /// be the one asked for.
    @Test(arguments: [0.3, 0.8, 1.5])
    func timesOutAtTheLimitAskedFor(_ seconds: Double) async throws {
        let server = try SilentServer()
        let transport = URLSessionTransport()
        let started = ContinuousClock.now
        let request = TransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(server.port)/v1/services")!, headers: [:],
                                       body: nil, timeout: seconds)
        var failure: TransportError?
        do {
            _ = try await transport.send(request)
        } catch let error as TransportError {
            failure = error
        }
        let elapsed = ContinuousClock.now - started
        #expect(failure?.isTimeout == true, "\(String(describing: failure))")
        #expect(elapsed >= .milliseconds(Int(seconds * 1000) - 20), "gave up after \(elapsed)")
        #expect(elapsed < .milliseconds(Int(seconds * 1000) + 900), "gave up after \(elapsed)")
    }
}
