/// Building blocks for Ballast's self-contained HTML reports (no network: inline CSS and SVG only).
///
/// Shared by the cost report (`CostReport.html`) and meant for the simulation report too: build the
/// body from ``HTML/table(headers:rows:numeric:footer:)``, the charts in `SVGCharts.swift`, and wrap it
/// with ``HTML/page(title:body:extraCSS:)``. Everything passed as text is escaped here; pass markup only
/// through the `html` parameters.
///
/// ```swift
/// let body = HTML.heading("Cost") + HTML.table(headers: ["Service", "Monthly"], rows: [["api", "$25.00"]], numeric: [1])
/// let document = HTML.page(title: "Ballast cost", body: body)
/// ```
public enum HTML {
    /// Escapes `& < > " '` for text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    public static func heading(_ text: String, level: Int = 2) -> String {
        "<h\(level)>\(escape(text))</h\(level)>\n"
    }

    public static func paragraph(_ text: String, className: String? = nil) -> String {
        "<p\(className.map { " class=\"\(escape($0))\"" } ?? "")>\(escape(text))</p>\n"
    }

    /// A table of text cells. Columns in `numeric` are right-aligned with tabular figures.
    public static func table(headers: [String], rows: [[String]], numeric: Set<Int> = [], footer: [String]? = nil, className: String? = nil) -> String {
        func cells(_ row: [String], tag: String) -> String {
            row.enumerated().map { index, cell in
                "<\(tag)\(numeric.contains(index) ? " class=\"num\"" : "")>\(escape(cell))</\(tag)>"
            }.joined()
        }
        var out = "<table\(className.map { " class=\"\(escape($0))\"" } ?? "")>\n<thead><tr>\(cells(headers, tag: "th"))</tr></thead>\n<tbody>\n"
        for row in rows { out += "<tr>\(cells(row, tag: "td"))</tr>\n" }
        out += "</tbody>\n"
        if let footer { out += "<tfoot><tr>\(cells(footer, tag: "th"))</tr></tfoot>\n" }
        return out + "</table>\n"
    }

    /// A row of headline figures: label above, value below.
    public static func figures(_ items: [(label: String, value: String, tone: String?)]) -> String {
        var out = "<div class=\"figures\">\n"
        for item in items {
            out += "<div class=\"figure\(item.tone.map { " " + escape($0) } ?? "")\"><div class=\"label\">\(escape(item.label))</div><div class=\"value\">\(escape(item.value))</div></div>\n"
        }
        return out + "</div>\n"
    }

    /// A complete document: UTF-8, viewport, the shared stylesheet plus `extraCSS`, and `body` (markup).
    public static func page(title: String, body html: String, extraCSS: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(stylesheet)
        \(extraCSS)
        </style>
        </head>
        <body>
        <main>
        \(html)
        </main>
        </body>
        </html>

        """
    }

    /// The shared stylesheet: readable on screen, black-on-white and unbroken tables when printed.
    public static let stylesheet = """
    :root { --ink: #1d2433; --muted: #5b6475; --rule: #d9dee7; --bg: #ffffff; --accent: #3657c9; --warn: #b42318; --ok: #1a7f37; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    main { max-width: 980px; margin: 0 auto; padding: 28px 24px 48px; }
    h1 { font-size: 24px; margin: 0 0 4px; }
    h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
    p.meta { color: var(--muted); margin: 0 0 16px; }
    p.note { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
    table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--rule); vertical-align: top; }
    thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); border-bottom: 2px solid var(--rule); }
    tfoot th { border-top: 2px solid var(--ink); border-bottom: none; }
    .num { text-align: right; white-space: nowrap; }
    .figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 8px; }
    .figure { flex: 1 1 150px; border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
    .figure .label { font-size: 12px; color: var(--muted); }
    .figure .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .figure.warn { border-color: var(--warn); } .figure.warn .value { color: var(--warn); }
    .figure.ok .value { color: var(--ok); }
    .warning { border-left: 4px solid var(--warn); background: #fdf1f0; padding: 8px 12px; margin: 8px 0; }
    svg { display: block; max-width: 100%; height: auto; }
    svg text { font: 11px -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
    svg .axis { stroke: #9aa3b2; stroke-width: 1; }
    svg .grid { stroke: #eceff4; stroke-width: 1; }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin: 4px 0 8px; }
    .legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 5px; background: var(--swatch); vertical-align: -1px; }
    @media print {
      main { max-width: none; padding: 0; }
      h2 { break-after: avoid; }
      table, svg, .figures { break-inside: avoid; }
      .warning { background: none; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }
    """
}
