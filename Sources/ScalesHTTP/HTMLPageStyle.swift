extension HTMLWriter {
    /// The page's style sheet, inline (the policy allows inline styles and nothing else).
    static let style = """
        :root{color-scheme:light}
        body{font:14px/1.45 "DejaVu Sans Mono",Menlo,Consolas,monospace;margin:1.2em 2em;color:#111;background:#fff}
        header{border-bottom:1px solid #ddd;margin-bottom:1em;padding-bottom:.6em}
        h1{font-size:1.4em;margin:0}
        h1 .server{color:#555;font-weight:normal;margin-left:.5em}
        nav.crumbs{margin:.3em 0}
        nav.crumbs a{color:#15c;text-decoration:none}
        form.filter{margin:.5em 0}
        form.filter input{font:inherit;width:22em;padding:2px 4px}
        form.filter button{font:inherit}
        p.formats,p.note,footer{color:#555;margin:.3em 0}
        p.error{color:#b00;font-weight:bold}
        a{color:#15c}
        ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:0}
        ul.tree ul{margin-left:1.1em;padding-left:.9em;border-left:1px dotted #ccc}
        li{margin:1px 0}
        details>summary{cursor:pointer}
        .key{font-weight:bold;color:#000}
        .doc{color:#777;font-style:italic;font-weight:normal;margin-left:.6em}
        .kind{color:#999;font-size:.85em;margin-left:.4em}
        .int,.counter{color:#00c}
        .float{color:#70a}
        .str{color:#080}
        .bool{color:#c50}
        .absent,.empty{color:#999;font-style:italic}
        ul.fields{display:flex;flex-wrap:wrap;gap:0 1.4em}
        a.collapsed{font-weight:bold}
        .hint{color:#999;font-size:.85em}
        .spark{vertical-align:middle;margin:0 .3em}
        .spark polyline{fill:none;stroke:#15c;stroke-width:12}
        .spark .last{fill:#15c}
        p.legend{color:#777;font-size:.85em;margin:.1em 0 .3em}
        p.refresh{color:#555;margin:.3em 0}
        footer .error{color:#b00}
        footer{border-top:1px solid #ddd;margin-top:1.2em;padding-top:.5em;font-size:.9em}
        """
}
