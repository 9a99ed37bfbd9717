//! A light layout of generated tokens, for when prettyplease is not compiled in (the `pretty`
//! feature off): one item, field, arm or statement per line, blocks indented, docs as `///`
//! lines. It is far from rustfmt, but readable enough to find a type in, and it costs
//! neither syn's full parser nor prettyplease at build time.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Lays the tokens out as Rust source text.
pub fn layout(tokens: TokenStream) -> String {
    let mut out = Layout::default();
    out.stream(tokens, Context::Block);
    out.text.push('\n');
    out.text
}

/// Where a stream of tokens sits: at item or statement level (a brace block or the file), or
/// inside parentheses or brackets (inline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Block,
    Inline,
}

#[derive(Default)]
struct Layout {
    text: String,
    indent: usize,
    /// The last token written: decides the space before the next one.
    last: Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Last {
    /// Start of a line (or of the file).
    #[default]
    LineStart,
    /// A word: identifier or literal.
    Word,
    /// A keyword that a path or a parenthesis may follow (`impl ::x`, `return (…)`).
    Keyword,
    /// Punctuation joined to the next token (the first `:` of `::`, `'` of a lifetime, `-` of
    /// `->`).
    Joint(char),
    /// The end of a `::`.
    PathSep,
    /// The end of `=>` or `->`.
    Arrow,
    /// Punctuation standing alone (or ending a longer operator such as `==`).
    Alone(char),
    /// A closing delimiter.
    Close,
    /// An opening delimiter.
    Open,
}

/// The next token, as far as spacing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Word,
    /// A punctuation character, and whether it is joined to the one after it.
    Punct(char, Spacing),
    Open(Delimiter),
    Close,
}

/// Keywords after which `::` or a parenthesis gets a space (`impl ::core::…`, `in (…)`).
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "dyn", "else", "for", "if", "impl", "in", "let", "match", "move",
    "mut", "return", "static", "unsafe", "where", "while",
];

/// Whether a space goes between what was written last and the next token. Where two tokens
/// could merge into another one (`:` and `::`, `=` and `>`), the answer is yes.
fn space_between(last: Last, next: Next) -> bool {
    // Characters after which a word or a parenthesis sits tight: `&x`, `!x`, `-1`, `*x`, `#[`,
    // `<T`, `x.y`.
    const PREFIX: &[char] = &['&', '!', '#', '-', '*', '<', '.'];
    match (last, next) {
        (Last::LineStart | Last::Open | Last::Joint(_) | Last::PathSep, _) => false,
        (_, Next::Punct(',' | ';' | '.' | '?', _) | Next::Close) => false,
        (Last::Keyword, Next::Punct(':', Spacing::Joint) | Next::Open(_)) => true,
        // `::` after a word or a closing delimiter is a path (`Self::new`, `Vec::<u8>`); after
        // an operator it starts one (`: ::std`), and a single `:` sits tight (`name: T`).
        (Last::Word | Last::Close, Next::Punct(':', Spacing::Joint)) => false,
        // A path opens tight inside generics too: `Vec<::std::string::String>`.
        (Last::Alone('<' | '>'), Next::Punct(':', Spacing::Joint)) => false,
        (_, Next::Punct(':', Spacing::Joint)) => true,
        (_, Next::Punct(':', Spacing::Alone)) => false,
        // Macros, generics and their ends: `name!`, `Vec<u8>`, `Vec<Vec<u8>>`.
        (Last::Word | Last::Keyword | Last::Close, Next::Punct('!' | '<' | '>', _)) => false,
        (Last::Alone('<'), Next::Punct('&' | '\'', _)) => false,
        (Last::Alone('&'), Next::Punct('\'' | '&', _)) => false,
        (Last::Alone('>'), Next::Punct('>', _)) => false,
        (Last::Alone('#'), Next::Punct('!', _)) => false,
        (_, Next::Punct(..)) => true,
        (Last::Alone(c), Next::Word) => !PREFIX.contains(&c),
        (Last::Word | Last::Keyword | Last::Close | Last::Arrow, Next::Word) => true,
        (_, Next::Open(Delimiter::Brace)) => true,
        (Last::Word | Last::Close, Next::Open(_)) => false,
        // `f::<T>(x)`, `fn f<T>(x)`.
        (Last::Alone('>'), Next::Open(Delimiter::Parenthesis)) => false,
        (Last::Alone(c), Next::Open(_)) => !PREFIX.contains(&c),
        (Last::Arrow, Next::Open(_)) => true,
    }
}

impl Layout {
    fn newline(&mut self) {
        while self.text.ends_with(' ') {
            self.text.pop();
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        self.last = Last::LineStart;
    }

    /// Writes a token, after a space when [`space_between`] asks for one.
    fn write(&mut self, token: &str, next: Next) {
        if self.last == Last::LineStart {
            for _ in 0..self.indent {
                self.text.push_str("    ");
            }
        } else if space_between(self.last, next) {
            self.text.push(' ');
        }
        self.text.push_str(token);
    }

    /// Writes a lone `|`. One where an expression starts opens a closure's parameters, and
    /// the next one closes them: `|value| Self::from_value(&value)`. Any other is an operator
    /// or a pattern's `|`, spaced as such. `closure_parameters` says whether parameters are
    /// open in the current stream.
    fn bar(&mut self, closure_parameters: &mut bool) {
        if *closure_parameters {
            self.text.push('|');
            self.last = Last::Alone('|');
            *closure_parameters = false;
            return;
        }
        let opens = matches!(
            self.last,
            Last::Open | Last::LineStart | Last::Keyword | Last::Alone(',' | '=')
        );
        self.write("|", Next::Punct('|', Spacing::Alone));
        self.last = if opens { Last::Open } else { Last::Alone('|') };
        *closure_parameters = opens;
    }

    fn stream(&mut self, tokens: TokenStream, context: Context) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut index = 0;
        // How many `<` of generics are open in this stream.
        let mut angles = 0usize;
        // Whether a closure's parameters (`|value|`) are open in this stream.
        let mut closure_parameters = false;
        while index < trees.len() {
            // `#[doc = "…"]` becomes a `///` line.
            if context == Context::Block {
                if let Some(doc) = doc_line(&trees[index..]) {
                    self.newline();
                    self.write(&format!("///{doc}"), Next::Word);
                    self.newline();
                    index += 2;
                    continue;
                }
            }
            match &trees[index] {
                TokenTree::Group(group) => {
                    let delimiter = group.delimiter();
                    let attribute =
                        delimiter == Delimiter::Bracket && is_attribute_start(&trees[..index]);
                    let (open, close) = match delimiter {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::None => ("", ""),
                    };
                    self.write(open, Next::Open(delimiter));
                    self.last = Last::Open;
                    if delimiter == Delimiter::Brace && !group.stream().is_empty() {
                        self.indent += 1;
                        self.newline();
                        self.stream(group.stream(), Context::Block);
                        self.indent -= 1;
                        self.newline();
                    } else {
                        self.stream(group.stream(), Context::Inline);
                    }
                    self.write(close, Next::Close);
                    self.last = Last::Close;
                    let block_ends = delimiter == Delimiter::Brace
                        && !followed_by_separator(&trees[index + 1..]);
                    if context == Context::Block && (attribute || block_ends) {
                        self.newline();
                    }
                }
                TokenTree::Punct(punct)
                    if punct.as_char() == '|' && punct.spacing() == Spacing::Alone =>
                {
                    self.bar(&mut closure_parameters);
                }
                TokenTree::Punct(punct) => {
                    let c = punct.as_char();
                    let previous = self.last;
                    self.write(&c.to_string(), Next::Punct(c, punct.spacing()));
                    self.last = match (punct.spacing(), self.last, c) {
                        (Spacing::Joint, ..) => Last::Joint(c),
                        (Spacing::Alone, Last::Joint(':'), ':') => Last::PathSep,
                        (Spacing::Alone, Last::Joint('=' | '-'), '>') => Last::Arrow,
                        (Spacing::Alone, ..) => Last::Alone(c),
                    };
                    // Generic parameters (`<'de, A>`) stay on one line.
                    let comparison = punct.spacing() == Spacing::Joint
                        && matches!(trees.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=');
                    match (c, previous) {
                        ('<', _) if !comparison => angles += 1,
                        ('>', Last::Joint('-' | '=')) => {}
                        ('>', _) if !comparison => angles = angles.saturating_sub(1),
                        (';', _) => angles = 0,
                        _ => {}
                    }
                    // A statement ends a line; so does an item, field or arm in a block.
                    if context == Context::Block && (c == ';' || c == ',' && angles == 0) {
                        self.newline();
                    }
                }
                TokenTree::Ident(ident) => {
                    let word = ident.to_string();
                    self.write(&word, Next::Word);
                    self.last = if KEYWORDS.contains(&word.as_str()) {
                        Last::Keyword
                    } else {
                        Last::Word
                    };
                }
                TokenTree::Literal(literal) => {
                    self.write(&literal.to_string(), Next::Word);
                    self.last = Last::Word;
                }
            }
            index += 1;
        }
    }
}

/// Whether `before` ends with `#` or `#!`, so that a bracket group after it is an attribute.
fn is_attribute_start(before: &[TokenTree]) -> bool {
    let is = |tree: Option<&TokenTree>, c: char| matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut rest = before.iter().rev();
    match rest.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '#' => true,
        Some(TokenTree::Punct(p)) if p.as_char() == '!' => is(rest.next(), '#'),
        _ => false,
    }
}

/// Whether a `,` or `;` comes next (a block closed inside a field, arm or statement).
fn followed_by_separator(rest: &[TokenTree]) -> bool {
    matches!(rest.first(), Some(TokenTree::Punct(p)) if matches!(p.as_char(), ',' | ';' | '.' | '?' | ')'))
        || matches!(rest.first(), Some(TokenTree::Ident(i)) if i == "else")
}

/// The text of a `#[doc = "…"]` attribute at the start of `trees`, if it is one whose string
/// holds only plain characters and the escapes quote writes (`\"`, `\\`, `\u{…}`).
fn doc_line(trees: &[TokenTree]) -> Option<String> {
    let (Some(TokenTree::Punct(hash)), Some(TokenTree::Group(group))) =
        (trees.first(), trees.get(1))
    else {
        return None;
    };
    if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
        return None;
    }
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    let [TokenTree::Ident(name), TokenTree::Punct(equals), TokenTree::Literal(literal)] =
        inner.as_slice()
    else {
        return None;
    };
    if name != "doc" || equals.as_char() != '=' {
        return None;
    }
    unescape(&literal.to_string())
}

/// The content of a string literal (`"…"`, `r"…"`) that fits on one line, unescaped.
fn unescape(literal: &str) -> Option<String> {
    // A raw string (`r"…"`, `r#"…"#`), as quote writes `///` comments, holds its text as is.
    if let Some(raw) = literal.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let fence = "#".repeat(hashes);
        let body = raw
            .strip_prefix(&fence)?
            .strip_prefix('"')?
            .strip_suffix(&fence)?
            .strip_suffix('"')?;
        return (!body.contains(['\n', '\r'])).then(|| body.to_string());
    }
    let body = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            't' => out.push('\t'),
            'u' => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = u32::from_str_radix(rest.strip_prefix('{')?, 16).ok()?;
                out.push(char::from_u32(code)?);
            }
            // A line break or anything rarer: keep the attribute as it is.
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn items_fields_and_docs_get_lines_of_their_own() {
        let text = layout(quote! {
            #[doc = " A thing, \"quoted\"."]
            /// Written as a comment.
            #[doc = "Two\nlines."]
            #[derive(Debug)]
            pub struct Thing<'a> {
                #[doc = " Its name."]
                pub name: &'a str,
                pub list: ::std::vec::Vec<u8>,
            }
            impl Thing<'_> {
                pub fn new() -> Self { let x = 1; match x { 1 => Self::a(), _ => ::core::panic!("no") } }
            }
        });
        assert!(text.contains("/// A thing, \"quoted\".\n"), "{text}");
        assert!(text.contains("\n/// Written as a comment.\n"), "{text}");
        assert!(text.contains("\n#[doc = \"Two\\nlines.\"]\n"), "{text}");
        assert!(
            text.contains("\n    /// Its name.\n    pub name: &'a str,\n"),
            "{text}"
        );
        assert!(text.contains("pub list: ::std::vec::Vec<u8>,"), "{text}");
        assert!(text.contains("        let x = 1;\n"), "{text}");
    }

    #[test]
    fn paths_in_generics_and_closures_sit_tight() {
        let text = layout(quote! {
            fn f() {
                let a: ::core::option::Option<::std::vec::Vec<u8>> = g::<::std::string::String>();
                h(x, |value| Self::from_value(&value), |(a, b)| a | b);
                match key { b"a" | b"b" => 1, _ => 2, }
                let c = a || b;
            }
        });
        assert!(
            text.contains("let a: ::core::option::Option<::std::vec::Vec<u8>> = g::<::std::string::String>();"),
            "{text}"
        );
        assert!(
            text.contains("h(x, |value| Self::from_value(&value), |(a, b)| a | b);"),
            "{text}"
        );
        assert!(text.contains("b\"a\" | b\"b\" => 1,"), "{text}");
        assert!(text.contains("let c = a || b;"), "{text}");
    }
}
