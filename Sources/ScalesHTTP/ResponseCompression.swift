import CScalesZlib

/// gzip for ``StatusHandler``'s responses, when the client asks for it and it is worth it.
///
/// The content coding is chosen from `Accept-Encoding` (RFC 9110 §12.5.3): each listed coding
/// (`gzip`, its alias `x-gzip`, `identity`, `*`) may carry a weight `q` from 0 to 1, and `q=0`
/// refuses it; a coding not listed takes the weight of `*` when `*` is there. `identity` (no
/// coding) is acceptable unless refused by `identity;q=0`, or by `*;q=0` without an `identity`
/// entry. Then:
/// - gzip is used when its weight is above 0 and not below the weight `identity` is given
///   explicitly, and the body is at least ``minimumBytes`` long (or `identity` is refused);
/// - with no header, or an empty one, the body is sent as it is;
/// - when both gzip and `identity` are refused, a successful response becomes
///   `406 Not Acceptable` with a message (an error response is sent as it is).
///
/// A gzip body gets `Content-Encoding: gzip`; every response gets `Vary: Accept-Encoding`
/// (added to a `Vary` already there), so caches keep the codings apart. Servers set
/// `Content-Length` from the (compressed) body, and a `HEAD` response carries the same headers
/// as the `GET`. Malformed weights drop their entry; coding names compare without ASCII case.
public enum ResponseCompression {
    /// Bodies shorter than this (1 KiB) are not compressed: the gzip header and the client's
    /// work would cost more than the bytes saved.
    public static let minimumBytes = 1024

    /// zlib's compression level: 1, the fastest (nginx's default too). Measured with
    /// `CompressionBenchmarks` on 10,000 stats, against zlib's default level 6: `/metrics` text
    /// (1,017,239 bytes) goes to 142,875 bytes in 17 ms at level 1 and to 128,606 bytes in
    /// 38 ms at level 6; the JSON (104,559 bytes) to 33,144 in 1.4 ms, and 28,237 in 4.7 ms.
    /// The few bytes more are worth half the time on the server's event loop.
    static let level: Int32 = 1

    /// The content coding a response gets.
    enum Choice: Equatable {
        /// gzip if the body is at least ``minimumBytes`` long.
        case gzipIfWorthIt
        /// gzip, whatever the size: `identity` was refused.
        case gzip
        /// The body as it is.
        case identity
        /// Neither gzip nor `identity` is acceptable.
        case notAcceptable
    }

    /// The coding to answer `acceptEncoding` (all `Accept-Encoding` values joined by commas,
    /// `nil` when absent) with.
    static func choice(acceptEncoding: String?) -> Choice {
        guard let acceptEncoding else { return .identity }
        var weights: [String: Double] = [:]
        for element in acceptEncoding.split(separator: ",") {
            let parts = element.split(separator: ";", omittingEmptySubsequences: false)
            let coding = parts[0].trimmingASCIISpaces().lowercased()
            guard !coding.isEmpty else { continue }
            var q = 1.0
            var valid = true
            for parameter in parts.dropFirst() {
                let text = parameter.trimmingASCIISpaces()
                guard let equals = text.firstIndex(of: "="),
                    text[..<equals].trimmingASCIISpaces().lowercased() == "q",
                    let value = Double(text[text.index(after: equals)...].trimmingASCIISpaces()),
                    value >= 0, value <= 1
                else {
                    valid = false
                    break
                }
                q = value
            }
            // The first entry for a coding counts (a repeated one is a client's mistake).
            if valid, weights[coding] == nil { weights[coding] = q }
        }
        let any = weights["*"]
        let gzip = weights["gzip"] ?? weights["x-gzip"] ?? any ?? 0
        let explicitIdentity = weights["identity"]
        let identityRefused = explicitIdentity.map { $0 == 0 } ?? (any == 0)
        if gzip > 0, gzip >= (explicitIdentity ?? 0) {
            return identityRefused ? .gzip : .gzipIfWorthIt
        }
        return identityRefused ? .notAcceptable : .identity
    }

    /// `response` in the coding `acceptEncoding` asks for, with `Vary: Accept-Encoding`.
    static func encode(_ response: StatusResponse, acceptEncoding: String?) -> StatusResponse {
        var response = response
        response.addVary("Accept-Encoding")
        let choice = choice(acceptEncoding: acceptEncoding)
        switch choice {
        case .identity:
            return response
        case .notAcceptable:
            guard (200..<300).contains(response.status) else { return response }
            var refusal = StatusResponse.text(
                status: 406,
                "Accept-Encoding refuses both gzip and identity: this server sends one of the two")
            refusal.addVary("Accept-Encoding")
            return refusal
        case .gzip, .gzipIfWorthIt:
            guard !response.bodyBytes.isEmpty,
                choice == .gzip || response.bodyBytes.count >= minimumBytes,
                let compressed = gzip(response.bodyBytes)
            else { return response }
            response.bodyBytes = compressed
            response.headers.append(("Content-Encoding", "gzip"))
            return response
        }
    }

    /// `bytes` compressed in the gzip format (RFC 1952) with zlib, or `nil` if zlib fails
    /// (it does not for input it accepts; the body is then sent as it is).
    static func gzip(_ bytes: [UInt8], level: Int32 = level) -> [UInt8]? {
        guard bytes.count < Int(UInt32.max / 2) else { return nil }  // zlib counts in 32 bits
        var stream = z_stream()
        guard cscales_deflate_init_gzip(&stream, level) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var finished = false
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                // One call: the output buffer holds deflateBound, the worst case.
                finished = deflate(&stream, Z_FINISH) == Z_STREAM_END
            }
            count = finished ? Int(stream.total_out) : 0
        }
        return finished ? output : nil
    }
}

extension StatusResponse {
    /// Adds `name` to the `Vary` field (merged into an existing one, not repeated).
    mutating func addVary(_ name: String) {
        guard let index = headers.firstIndex(where: { $0.name.lowercased() == "vary" }) else {
            headers.append(("Vary", name))
            return
        }
        let listed = headers[index].value.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() }
        if listed.contains(name.lowercased()) || listed.contains("*") { return }
        headers[index].value += ", " + name
    }
}

extension StatusRequest {
    /// Every value of the header `name`, joined by commas as one list (RFC 9110 §5.3); `nil`
    /// when the request has none.
    func headerList(_ name: String) -> String? {
        let wanted = name.lowercased()
        let values = headers.filter { $0.name.lowercased() == wanted }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }
}
