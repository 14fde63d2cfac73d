/// Prints a ``SwiftFile`` as formatted Swift: four-space indentation, lines kept within 120
/// columns by breaking long calls and parameter lists one item per line.
struct SwiftRenderer {
    static let indentWidth = 4
    static let lineLimit = 120

    private var lines: [String] = []

    static func render(_ file: SwiftFile) -> String {
        var renderer = SwiftRenderer()
        renderer.renderFile(file)
        return renderer.lines.joined(separator: "\n") + "\n"
    }

    private mutating func renderFile(_ file: SwiftFile) {
        for comment in file.headerComments {
            lines.append(comment.isEmpty ? "//" : "// " + SwiftText.commentLine(comment))
        }
        if !file.headerComments.isEmpty { lines.append("") }
        for item in file.imports {
            switch item {
            case .plain(let description):
                lines.append(render(description))
            case .conditional(let condition, let then, let otherwise):
                lines.append("#if " + condition)
                lines.append(contentsOf: then.map(render))
                if !otherwise.isEmpty {
                    lines.append("#else")
                    lines.append(contentsOf: otherwise.map(render))
                }
                lines.append("#endif")
            }
        }
        for declaration in file.declarations {
            lines.append("")
            render(declaration, indent: 0)
        }
    }

    // MARK: Declarations

    private mutating func render(_ declaration: Declaration, indent: Int) {
        switch declaration {
        case .structDecl(let description):
            renderDoc(description.doc, indent: indent)
            let header =
                accessPrefix(description.access) + "struct " + description.name + conformances(description.conformances)
            renderBlock(header, members: description.members, indent: indent)
        case .enumDecl(let description):
            renderDoc(description.doc, indent: indent)
            let header =
                accessPrefix(description.access) + "enum " + description.name + conformances(description.conformances)
            renderBlock(header, members: description.members, indent: indent)
        case .extensionDecl(let description):
            renderDoc(description.doc, indent: indent)
            renderBlock("extension " + description.type, members: description.members, indent: indent)
        case .property(let property):
            renderProperty(property, indent: indent)
        case .initializer(let function):
            renderFunction(function, isInitializer: true, indent: indent)
        case .function(let function):
            renderFunction(function, isInitializer: false, indent: indent)
        }
    }

    private mutating func renderBlock(_ header: String, members: [Declaration], indent: Int) {
        lines.append(pad(indent) + header + " {")
        for (index, member) in members.enumerated() {
            // A blank line between members, except in a run of undocumented properties (a list
            // such as `Paths`, one line each).
            if index > 0, !(Self.isUndocumentedProperty(members[index - 1]) && Self.isUndocumentedProperty(member)) {
                lines.append("")
            }
            render(member, indent: indent + Self.indentWidth)
        }
        lines.append(pad(indent) + "}")
    }

    private mutating func renderProperty(_ property: PropertyDescription, indent: Int) {
        renderDoc(property.doc, indent: indent)
        var head = property.attributes.map { $0 + " " }.joined()
        head += accessPrefix(property.access)
        if property.isStatic { head += "static " }
        head += property.keyword.rawValue + " " + property.name
        if let type = property.type { head += ": " + render(type) }
        if let value = property.value {
            lines.append(contentsOf: renderExpression(value, indent: indent, leading: head + " = ", trailing: ""))
        } else {
            lines.append(pad(indent) + head)
        }
    }

    private mutating func renderFunction(_ function: FunctionDescription, isInitializer: Bool, indent: Int) {
        renderDoc(function.doc, indent: indent)
        let name = isInitializer ? "init" : "func " + function.name
        let head = accessPrefix(function.access) + name
        let returns = function.returnType.map { " -> " + render($0) } ?? ""
        let parameters = function.parameters.map(render)
        let oneLine = pad(indent) + head + "(" + parameters.joined(separator: ", ") + ")" + returns + " {"
        if oneLine.utf8.count <= Self.lineLimit || oneLine.count <= Self.lineLimit || parameters.isEmpty {
            lines.append(oneLine)
        } else {
            lines.append(pad(indent) + head + "(")
            for (index, parameter) in parameters.enumerated() {
                lines.append(pad(indent + Self.indentWidth) + parameter + (index < parameters.count - 1 ? "," : ""))
            }
            lines.append(pad(indent) + ")" + returns + " {")
        }
        for statement in function.body {
            renderStatement(statement, indent: indent + Self.indentWidth)
        }
        lines.append(pad(indent) + "}")
    }

    private mutating func renderStatement(_ statement: Statement, indent: Int) {
        switch statement {
        case .assignment(let target, let value):
            lines.append(
                contentsOf: renderExpression(value, indent: indent, leading: inline(target) + " = ", trailing: ""))
        case .expression(let expression):
            lines.append(contentsOf: renderExpression(expression, indent: indent, leading: "", trailing: ""))
        }
    }

    private mutating func renderDoc(_ doc: DocComment?, indent: Int) {
        guard let doc else { return }
        var inFence = false
        let width = Self.lineLimit - indent - 4
        for (index, paragraph) in doc.paragraphs.enumerated() {
            if index > 0 { lines.append(pad(indent) + "///") }
            for line in paragraph {
                for part in SwiftText.docLines(line) {
                    if part.hasPrefix("```") { inFence.toggle() }
                    let wrapped = inFence || part.hasPrefix("```") ? [part] : SwiftText.wrap(part, width: width)
                    for piece in wrapped {
                        lines.append(pad(indent) + (piece.isEmpty ? "///" : "/// " + piece))
                    }
                }
            }
        }
    }

    // MARK: Expressions

    /// The expression on one line if it fits, otherwise its outermost call broken one argument
    /// per line (recursively).
    private func renderExpression(_ expression: Expression, indent: Int, leading: String, trailing: String) -> [String]
    {
        let single = pad(indent) + leading + inline(expression) + trailing
        guard single.utf8.count > Self.lineLimit, single.count > Self.lineLimit,
            case .call(let callee, let arguments) = expression, !arguments.isEmpty
        else {
            return [single]
        }
        var result = [pad(indent) + leading + inline(callee) + "("]
        for (index, argument) in arguments.enumerated() {
            let label = argument.label.map { $0 + ": " } ?? ""
            let comma = index < arguments.count - 1 ? "," : ""
            result += renderExpression(
                argument.value, indent: indent + Self.indentWidth, leading: label, trailing: comma)
        }
        result.append(pad(indent) + ")" + trailing)
        return result
    }

    private func inline(_ expression: Expression) -> String {
        switch expression {
        case .identifier(let name):
            return name
        case .member(let base, let name):
            return (base.map(inline) ?? "") + "." + name
        case .call(let callee, let arguments):
            let rendered = arguments.map { argument in
                (argument.label.map { $0 + ": " } ?? "") + inline(argument.value)
            }
            return inline(callee) + "(" + rendered.joined(separator: ", ") + ")"
        case .stringLiteral(let text):
            return SwiftText.stringLiteral(text)
        case .intLiteral(let value):
            return String(value)
        case .doubleLiteral(let value):
            return SwiftText.doubleLiteral(value)
        case .boolLiteral(let value):
            return value ? "true" : "false"
        case .typeReference(let type):
            return render(type) + ".self"
        }
    }

    private func render(_ type: TypeDescription) -> String {
        switch type {
        case .named(let name): return name
        case .generic(let name, let arguments): return name + "<" + arguments.map(render).joined(separator: ", ") + ">"
        }
    }

    private func render(_ parameter: ParameterDescription) -> String {
        var text = ""
        if let label = parameter.label, label != parameter.name { text += label + " " }
        text += parameter.name + ": " + render(parameter.type)
        if let value = parameter.defaultValue { text += " = " + inline(value) }
        return text
    }

    // MARK: Helpers

    private func render(_ description: ImportDescription) -> String {
        accessPrefix(description.access) + "import " + description.module
    }

    private func accessPrefix(_ access: SwiftAccess?) -> String {
        guard let access, access != .internal else { return "" }
        return access.rawValue + " "
    }

    private func conformances(_ names: [String]) -> String {
        names.isEmpty ? "" : ": " + names.joined(separator: ", ")
    }

    private static func isUndocumentedProperty(_ declaration: Declaration) -> Bool {
        if case .property(let property) = declaration { return property.doc == nil }
        return false
    }

    private func pad(_ indent: Int) -> String {
        String(repeating: " ", count: indent)
    }
}
