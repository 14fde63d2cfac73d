import Scales
import Testing

/// The number forms, as literal text: the layout renders and the snapshot formats share their
/// number writer, so comparing them with each other cannot catch a wrong form.
@Suite struct NumberFormTests {
    static func registry() -> Registry {
        let registry = Registry()
        let n = registry.collection(at: "/n")
        n.int("a").value = Int.min
        n.int("b").value = 0
        n.double("c").value = 1.0
        n.double("d").value = 0.1
        n.double("e").value = 1e-7
        n.double("f").value = 1.5e300
        n.double("g").value = -0.0
        n.double("h").value = 123456789012345680000.0
        n.double("i").value = .leastNonzeroMagnitude  // 5e-324
        n.double("j").value = 100
        n.double("k").value = 1e16
        n.double("l").value = 2.5e-5
        n.counter("m") += 7
        n.bool("o").value = true
        n.gauge("p", of: Double.self).bind { .nan }
        return registry
    }

    @Test func jsonNumbersAreTheseTexts() throws {
        let registry = Self.registry()
        let expected =
            #"{"a":-9223372036854775808,"b":0,"c":1.0,"d":0.1,"e":1e-07,"f":1.5e+300,"g":0.0,"h":1.2345678901234568e+20,"i":5e-324,"j":100.0,"k":1e+16,"l":2.5e-05,"m":7,"o":true,"p":null}"#
        for _ in 0..<2 {  // fresh, then from the kept layout
            #expect(registry.renderJSON(at: "/n").map { String(decoding: $0, as: UTF8.self) } == expected)
        }
        #expect(JSONFormat.render(try #require(registry.snapshot(at: "/n"))) == expected)
    }

    @Test func prometheusNumbersAreTheseTexts() throws {
        let registry = Self.registry()
        let samples = [
            "n_a -9223372036854775808", "n_b 0", "n_c 1.0", "n_d 0.1", "n_e 1e-07", "n_f 1.5e+300", "n_g -0.0",
            "n_h 1.2345678901234568e+20", "n_i 5e-324", "n_j 100.0", "n_k 1e+16", "n_l 2.5e-05", "n_m_total 7", "n_o 1",
        ]
        for _ in 0..<2 {
            let text = try #require(registry.renderPrometheus(at: "/n"))
            #expect(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init) == samples)
        }
        let fresh = PrometheusFormat.render(try #require(registry.snapshot(at: "/n")))
        #expect(fresh.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init) == samples)
    }
}
