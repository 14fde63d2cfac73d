/// A structured description of the Swift the generator writes: the translator builds it, the
/// renderer prints it. No Swift is assembled from string templates.
struct SwiftFile: Equatable {
    /// `//` comment lines at the top.
    var headerComments: [String]
    var imports: [ImportItem]
    var declarations: [Declaration]
}

/// An access modifier written in generated Swift: a file's level (``AccessLevel``), or
/// `fileprivate` for what only the generated file itself may call.
enum SwiftAccess: String, Equatable {
    case `fileprivate`, `internal`, `package`, `public`

    init(_ level: AccessLevel) {
        switch level {
        case .internal: self = .internal
        case .package: self = .package
        case .public: self = .public
        }
    }
}

struct ImportDescription: Equatable {
    var access: SwiftAccess?
    var module: String
}

/// An import, or imports chosen by a compile-time condition (`#if hasFeature(…)`).
enum ImportItem: Equatable {
    case plain(ImportDescription)
    case conditional(condition: String, then: [ImportDescription], otherwise: [ImportDescription])
}

/// A `///` comment: paragraphs of text, separated by blank comment lines.
struct DocComment: Equatable {
    var paragraphs: [[String]]

    init(_ paragraphs: [[String]]) {
        self.paragraphs = paragraphs.filter { !$0.isEmpty }
    }

    init(_ lines: String...) {
        self.init([lines])
    }
}

indirect enum Declaration: Equatable {
    case structDecl(StructDescription)
    case enumDecl(EnumDescription)
    case extensionDecl(ExtensionDescription)
    case property(PropertyDescription)
    case initializer(FunctionDescription)
    case function(FunctionDescription)
}

struct StructDescription: Equatable {
    var doc: DocComment?
    var access: SwiftAccess?
    var name: String
    var conformances: [String]
    var members: [Declaration]
}

/// A caseless enum used as a namespace.
struct EnumDescription: Equatable {
    var doc: DocComment?
    var access: SwiftAccess?
    var name: String
    var conformances: [String]
    var members: [Declaration]
}

struct ExtensionDescription: Equatable {
    var doc: DocComment?
    var type: String
    var members: [Declaration]
}

struct PropertyDescription: Equatable {
    enum Keyword: String, Equatable {
        case `let`, `var`
    }

    var doc: DocComment?
    /// Attributes such as `@Stat`.
    var attributes: [String] = []
    var access: SwiftAccess?
    var isStatic = false
    var keyword: Keyword
    var name: String
    var type: TypeDescription?
    var value: Expression?
}

struct FunctionDescription: Equatable {
    var doc: DocComment?
    var access: SwiftAccess?
    /// The name; ignored for an initializer.
    var name: String
    var parameters: [ParameterDescription]
    var returnType: TypeDescription?
    var body: [Statement]
}

struct ParameterDescription: Equatable {
    /// The argument label; `nil` means the same as the name, `"_"` means none.
    var label: String?
    var name: String
    var type: TypeDescription
    var defaultValue: Expression?
}

indirect enum TypeDescription: Equatable {
    case named(String)
    case generic(String, [TypeDescription])
}

indirect enum Expression: Equatable {
    /// A name: `collection`, `Self`, `ThreadStats`.
    case identifier(String)
    /// `base.name`, or `.name` when `base` is nil (an implicit member).
    case member(Expression?, String)
    /// `callee(label: value, …)`.
    case call(Expression, [Argument])
    case stringLiteral(String)
    case intLiteral(Int)
    case doubleLiteral(Double)
    case boolLiteral(Bool)
    /// `Type.self`.
    case typeReference(TypeDescription)
}

struct Argument: Equatable {
    var label: String?
    var value: Expression

    init(_ label: String?, _ value: Expression) {
        self.label = label
        self.value = value
    }
}

enum Statement: Equatable {
    case assignment(Expression, Expression)
    case expression(Expression)
}
