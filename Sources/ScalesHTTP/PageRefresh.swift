/// The status page's opt-in auto-refresh (`?refresh=5`): a `<noscript>` meta refresh, and one
/// small script that reloads the page and keeps its scroll position and closed folds.
///
/// The page's Content-Security-Policy allows exactly this script, by its SHA-256 hash
/// (computed here from the script's text, so the two cannot drift), and no other.
enum PageRefresh {
    /// The shortest and longest refresh periods accepted, in seconds.
    static let range = 1...3600

    /// Parses `?refresh=`: `nil` for no refresh, the period in seconds, or a message.
    static func period(_ text: String?) -> Result<Int?, RefreshError> {
        guard let text, !text.isEmpty else { return .success(nil) }
        guard text.utf8.count <= 5, text.utf8.allSatisfy({ (48...57).contains($0) }), let seconds = Int(text),
            range.contains(seconds)
        else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return .failure(
                RefreshError(
                    description:
                        "refresh=\(shown) is not a period the page can refresh at: use whole seconds from \(range.lowerBound) to \(range.upperBound), such as refresh=5"
                ))
        }
        return .success(seconds)
    }

    struct RefreshError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads its period from its own `data-refresh`; before reloading, stores the scroll
    /// position and which folds are closed (by their keys' path) in `sessionStorage` for this
    /// URL, and restores them once the new page has loaded. It owns the scroll position (the
    /// browser's own restoration is turned off), so the position is the one it stored.
    static let script = """
        (function(){var s=document.currentScript,n=+s.dataset.refresh,k="scales-page:"+location.pathname+location.search;\
        try{history.scrollRestoration="manual"}catch(e){}\
        function id(d){var p=[];for(var e=d;e;e=e.parentElement){if(e.tagName==="DETAILS"){var m=e.querySelector(":scope>summary>.key");p.unshift(m?m.textContent:"")}}return p.join("\\u0000")}\
        try{var v=JSON.parse(sessionStorage.getItem(k)||"null");if(v){sessionStorage.removeItem(k);var c={};v.closed.forEach(function(x){c[x]=1});\
        document.querySelectorAll("details").forEach(function(d){if(c[id(d)])d.open=false});window.scrollTo(v.x,v.y)}}catch(e){}\
        if(n>0)setTimeout(function(){var closed=[];document.querySelectorAll("details:not([open])").forEach(function(d){closed.push(id(d))});\
        try{sessionStorage.setItem(k,JSON.stringify({x:window.scrollX,y:window.scrollY,closed:closed}))}catch(e){}location.reload()},n*1000)})();
        """

    /// `'sha256-…'` of ``script``, for the `script-src` of the page's policy.
    static let scriptSource = "'sha256-" + base64(sha256(Array(script.utf8))) + "'"

    /// The policy of a page without script (every page without `?refresh=`).
    static let policy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// The policy of a refreshing page: the same, and exactly ``script``.
    static let refreshPolicy = policy + "; script-src " + scriptSource

    // MARK: SHA-256 (FIPS 180-4) and base64, for the hash above; ScalesHTTP has no crypto dependency.

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        let k: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                w[i] =
                    UInt32(data[chunk + 4 * i]) << 24 | UInt32(data[chunk + 4 * i + 1]) << 16
                    | UInt32(data[chunk + 4 * i + 2]) << 8 | UInt32(data[chunk + 4 * i + 3])
            }
            for i in 16..<64 {
                let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0]
            var b = h[1]
            var c = h[2]
            var d = h[3]
            var e = h[4]
            var f = h[5]
            var g = h[6]
            var hh = h[7]
            for i in 0..<64 {
                let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ k[i] &+ w[i]
                let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                hh = g
                g = f
                f = e
                e = d &+ t1
                d = c
                c = b
                b = a
                a = t1 &+ t2
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
            h[5] &+= f
            h[6] &+= g
            h[7] &+= hh
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<Swift.min(index + 3, bytes.count)]
            var word = 0
            for (offset, byte) in chunk.enumerated() { word |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    out.append(alphabet[(word >> (18 - 6 * position)) & 63])
                } else {
                    out.append("=")
                }
            }
            index += 3
        }
        return out
    }
}
