//! A Jinja lexer that lists what a chat template touches, without rendering it.
//!
//! Runtimes (llama-cpp-python, transformers, Ollama's importers, vLLM) render a GGUF's chat
//! template with Jinja on every conversation. Outside a sandbox, or through a sandbox gap, a
//! template can reach Python objects (`cycler.__init__.__globals__.os.popen(...)`, the class of
//! CVE-2024-34359); inside one, it can still write hidden instructions into every prompt.
//! [`analyse`] tokenises a template the way Jinja's lexer does (text, `{{ }}`, `{% %}`,
//! `{# #}`, `{% raw %}`, whitespace control, Python string escapes) and returns [`Facts`]:
//! attribute names, literal subscripts, bare names, filters and their literal arguments,
//! statement keywords, the literal text a template emits, and per tag the strings its
//! literals can be folded into (`'_'*2 ~ 'class' ~ '_'*2`, `'%c'|format(95)`, reversed
//! strings, keyword-argument names) so that obfuscated names are visible.
//!
//! It describes; the scanner judges which of these are dangerous.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

/// A name with the byte offset where it appears in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Byte offset in the template.
    pub offset: usize,
    /// The name or string.
    pub name: String,
}

/// A filter application (`x|name(args)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Byte offset.
    pub offset: usize,
    /// Filter name.
    pub name: String,
    /// Its first argument when that is a string literal.
    pub literal_arg: Option<String>,
    /// Whether it has a first argument that is not a literal.
    pub dynamic_arg: bool,
}

/// Which kind of tag something was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// `{{ ... }}`: its value is written to the prompt.
    Output,
    /// `{% ... %}`.
    Statement,
}

/// A string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// Byte offset.
    pub offset: usize,
    /// Its value, escapes decoded.
    pub value: String,
    /// The tag it is in.
    pub tag: TagKind,
    /// The statement keyword of that tag (`set`, `if`, ...), if any.
    pub keyword: Option<String>,
}

/// What a template touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Literal text outside tags (written to the prompt as is).
    pub texts: Vec<Ref>,
    /// String literals inside tags.
    pub literals: Vec<Literal>,
    /// `.name` accesses.
    pub attributes: Vec<Ref>,
    /// `['name']` subscripts with a literal string.
    pub subscripts: Vec<Ref>,
    /// Bare names (variables, functions, globals).
    pub names: Vec<Ref>,
    /// Filters.
    pub filters: Vec<Filter>,
    /// Statement keywords (`for`, `if`, `set`, `macro`, `include`, ...).
    pub keywords: Vec<Ref>,
    /// Per tag, strings its literals fold into (concatenated, repeated, reversed, from
    /// `%c` character codes and keyword-argument names), when the tag builds strings.
    pub folded: Vec<Ref>,
    /// Tags seen.
    pub tags: usize,
    /// Lexing errors (unterminated tags, strings or comments).
    pub errors: Vec<Ref>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Int(i64),
    Float,
    Op(&'static str),
}

const OPS: &[&str] = &[
    "**", "//", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")",
    "[", "]", "{", "}", "=", "<", ">",
];

/// Analyse a template.
pub fn analyse(src: &str) -> Facts {
    let mut f = Facts::default();
    let b = src.as_bytes();
    let mut pos = 0usize;
    let mut text_start = 0usize;
    let mut raw = false;
    while pos < b.len() {
        let open = match (b.get(pos), b.get(pos + 1)) {
            (Some(b'{'), Some(c @ (b'{' | b'%' | b'#'))) => *c,
            _ => {
                pos += 1;
                continue;
            }
        };
        if raw && open != b'%' {
            pos += 1;
            continue;
        }
        let tag_start = pos;
        let mut inner = pos + 2;
        if let Some(b'-' | b'+') = b.get(inner) {
            inner += 1;
        }
        if open == b'#' {
            match find(b, inner, b"#}") {
                Some(end) => {
                    push_text(&mut f, src, text_start, tag_start);
                    pos = end + 2;
                    text_start = pos;
                }
                None => {
                    f.errors.push(Ref {
                        offset: tag_start,
                        name: "unterminated comment".into(),
                    });
                    return f;
                }
            }
            continue;
        }
        let close: &[u8] = if open == b'{' { b"}}" } else { b"%}" };
        let (toks, end) = match lex(src, inner, close) {
            Ok(v) => v,
            Err((offset, msg)) => {
                f.errors.push(Ref { offset, name: msg });
                push_text(&mut f, src, text_start, tag_start);
                return f;
            }
        };
        let keyword = if open == b'%' {
            match toks.first() {
                Some((_, Tok::Name(k))) => Some(k.clone()),
                _ => None,
            }
        } else {
            None
        };
        if raw {
            if keyword.as_deref() == Some("endraw") {
                raw = false;
                push_text(&mut f, src, text_start, tag_start);
                pos = end;
                text_start = pos;
            } else {
                pos += 1;
            }
            continue;
        }
        push_text(&mut f, src, text_start, tag_start);
        f.tags += 1;
        if keyword.as_deref() == Some("raw") {
            raw = true;
            pos = end;
            text_start = pos;
            continue;
        }
        let kind = if open == b'{' {
            TagKind::Output
        } else {
            TagKind::Statement
        };
        facts_of_tag(&mut f, &toks, kind, keyword);
        pos = end;
        text_start = pos;
    }
    if raw {
        f.errors.push(Ref {
            offset: text_start,
            name: "unterminated raw block".into(),
        });
    }
    push_text(&mut f, src, text_start, b.len());
    f
}

fn push_text(f: &mut Facts, src: &str, start: usize, end: usize) {
    if let Some(t) = src.get(start..end)
        && !t.is_empty()
    {
        f.texts.push(Ref {
            offset: start,
            name: t.to_owned(),
        });
    }
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

type Lexed = (Vec<(usize, Tok)>, usize);

/// Tokenise from `pos` to the closing delimiter; returns the tokens and the offset after it.
fn lex(src: &str, mut pos: usize, close: &[u8]) -> Result<Lexed, (usize, String)> {
    let b = src.as_bytes();
    let start = pos;
    let mut toks = Vec::new();
    let mut depth = 0usize; // brackets: `}}` inside `{ {} }` is not the end
    loop {
        let Some(&c) = b.get(pos) else {
            return Err((start, "unterminated tag".into()));
        };
        // closing delimiter, with optional whitespace control before it
        let rest = b.get(pos..).unwrap_or_default();
        if depth == 0 {
            for skip in [0usize, 1] {
                if skip == 1 && !matches!(c, b'-' | b'+') {
                    continue;
                }
                if rest.get(skip..skip + close.len()) == Some(close) {
                    return Ok((toks, pos + skip + close.len()));
                }
            }
        }
        if c.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        if c == b'\'' || c == b'"' {
            let (s, end) = string(src, pos)?;
            toks.push((pos, Tok::Str(s)));
            pos = end;
            continue;
        }
        if c == b'_' || c.is_ascii_alphabetic() {
            let end = b
                .get(pos..)
                .unwrap_or_default()
                .iter()
                .position(|&x| !(x == b'_' || x.is_ascii_alphanumeric()))
                .map_or(b.len(), |p| p + pos);
            toks.push((
                pos,
                Tok::Name(src.get(pos..end).unwrap_or_default().to_owned()),
            ));
            pos = end;
            continue;
        }
        if c.is_ascii_digit() {
            let end = b
                .get(pos..)
                .unwrap_or_default()
                .iter()
                .position(|&x| !(x == b'_' || x == b'.' || x.is_ascii_alphanumeric()))
                .map_or(b.len(), |p| p + pos);
            let text: String = src
                .get(pos..end)
                .unwrap_or_default()
                .chars()
                .filter(|&ch| ch != '_')
                .collect();
            let tok = if let Some(hex) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
                i64::from_str_radix(hex, 16).map_or(Tok::Float, Tok::Int)
            } else {
                text.parse::<i64>().map_or(Tok::Float, Tok::Int)
            };
            toks.push((pos, tok));
            pos = end;
            continue;
        }
        match OPS.iter().find(|op| rest.starts_with(op.as_bytes())) {
            Some(op) => {
                match *op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                toks.push((pos, Tok::Op(op)));
                pos += op.len();
            }
            None => {
                // Unknown byte (Jinja would refuse it); step over the whole character.
                pos += src
                    .get(pos..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
            }
        }
    }
}

/// A Python string literal at `pos`; returns its value and the offset after it.
fn string(src: &str, pos: usize) -> Result<(String, usize), (usize, String)> {
    let b = src.as_bytes();
    let Some(&q) = b.get(pos) else {
        return Err((pos, "unterminated string".into()));
    };
    let mut out = String::new();
    let mut chars = src.get(pos + 1..).unwrap_or_default().char_indices();
    while let Some((i, ch)) = chars.next() {
        if ch as u32 == u32::from(q) {
            return Ok((out, pos + 1 + i + 1));
        }
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        let code = |n: usize, chars: &mut std::str::CharIndices<'_>| -> Option<char> {
            let mut v = 0u32;
            for _ in 0..n {
                let (_, d) = chars.next()?;
                v = v * 16 + d.to_digit(16)?;
            }
            char::from_u32(v)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                let mut look = chars.clone();
                for _ in 0..2 {
                    match look.next() {
                        Some((_, d)) if d.is_digit(8) => {
                            v = v * 8 + d.to_digit(8).unwrap_or(0);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' => out.push(code(2, &mut chars).unwrap_or('\u{fffd}')),
            'u' => out.push(code(4, &mut chars).unwrap_or('\u{fffd}')),
            'U' => out.push(code(8, &mut chars).unwrap_or('\u{fffd}')),
            '\n' => {}
            other if other == '\\' || other == '\'' || other == '"' => out.push(other),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Err((pos, "unterminated string".into()))
}

fn facts_of_tag(f: &mut Facts, toks: &[(usize, Tok)], kind: TagKind, keyword: Option<String>) {
    let get = |i: usize| toks.get(i).map(|(_, t)| t);
    let mut builds_strings = false;
    let mut pieces: Vec<String> = Vec::new();
    let mut char_codes: Vec<char> = Vec::new();
    let mut kwargs: Vec<String> = Vec::new();
    let mut has_percent_c = false;
    for (i, (off, tok)) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(get);
        let next = get(i + 1);
        match tok {
            Tok::Name(n) => {
                if i == 0 && keyword.is_some() {
                    f.keywords.push(Ref {
                        offset: *off,
                        name: n.clone(),
                    });
                    continue;
                }
                match prev {
                    Some(Tok::Op(".")) => f.attributes.push(Ref {
                        offset: *off,
                        name: n.clone(),
                    }),
                    Some(Tok::Op("|")) => {
                        let (literal_arg, dynamic_arg) = match (next, get(i + 2)) {
                            (Some(Tok::Op("(")), Some(Tok::Str(s))) => {
                                let lone = matches!(get(i + 3), Some(Tok::Op(")" | ",")));
                                (Some(s.clone()), !lone)
                            }
                            (Some(Tok::Op("(")), Some(Tok::Op(")"))) => (None, false),
                            (Some(Tok::Op("(")), Some(_)) => (None, true),
                            _ => (None, false),
                        };
                        if matches!(n.as_str(), "join" | "reverse" | "format" | "replace") {
                            builds_strings = true;
                        }
                        f.filters.push(Filter {
                            offset: *off,
                            name: n.clone(),
                            literal_arg,
                            dynamic_arg,
                        });
                    }
                    Some(Tok::Name(k)) if k == "is" => {}
                    _ => {
                        if next == Some(&Tok::Op("=")) && matches!(prev, Some(Tok::Op("(" | ","))) {
                            kwargs.push(n.clone());
                        } else if !matches!(
                            n.as_str(),
                            "in" | "not"
                                | "and"
                                | "or"
                                | "is"
                                | "if"
                                | "else"
                                | "true"
                                | "false"
                                | "none"
                                | "True"
                                | "False"
                                | "None"
                                | "recursive"
                                | "with"
                                | "without"
                                | "context"
                                | "ignore"
                                | "missing"
                                | "as"
                                | "import"
                        ) {
                            f.names.push(Ref {
                                offset: *off,
                                name: n.clone(),
                            });
                        }
                    }
                }
            }
            Tok::Str(s) => {
                if prev == Some(&Tok::Op("[")) && next == Some(&Tok::Op("]")) {
                    f.subscripts.push(Ref {
                        offset: *off,
                        name: s.clone(),
                    });
                }
                if s.contains("%c") {
                    has_percent_c = true;
                }
                f.literals.push(Literal {
                    offset: *off,
                    value: s.clone(),
                    tag: kind,
                    keyword: keyword.clone(),
                });
                let times = match (prev, next, get(i + 2)) {
                    (_, Some(Tok::Op("*")), Some(Tok::Int(n))) => Some(*n),
                    _ => match (i.checked_sub(2).and_then(get), prev) {
                        (Some(Tok::Int(n)), Some(Tok::Op("*"))) => Some(*n),
                        _ => None,
                    },
                };
                match times {
                    Some(n) => {
                        builds_strings = true;
                        let n = usize::try_from(n.clamp(0, 64)).unwrap_or(0);
                        pieces.push(s.repeat(n));
                    }
                    None => pieces.push(s.clone()),
                }
                if matches!(prev, Some(Tok::Op("~" | "+" | "%")))
                    || matches!(next, Some(Tok::Op("~" | "+" | "%")))
                {
                    builds_strings = true;
                }
            }
            Tok::Int(n) => {
                if let Some(c) = u32::try_from(*n).ok().and_then(char::from_u32) {
                    char_codes.push(c);
                }
            }
            Tok::Float | Tok::Op(_) => {}
        }
    }
    if !kwargs.is_empty() && f.filters.iter().any(|x| x.name == "join") {
        builds_strings = true;
    }
    if !builds_strings && !has_percent_c {
        return;
    }
    let offset = toks.first().map_or(0, |(o, _)| *o);
    let joined: String = pieces.concat();
    let mut out = vec![joined.clone(), joined.chars().rev().collect()];
    if !kwargs.is_empty() {
        out.push(kwargs.concat());
    }
    if has_percent_c && !char_codes.is_empty() {
        let mut s: String = joined.replace("%c", "");
        s.extend(char_codes.iter());
        out.push(char_codes.iter().collect());
        out.push(s);
    }
    for name in out {
        if !name.is_empty() {
            f.folded.push(Ref { offset, name });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[Ref]) -> Vec<&str> {
        v.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn chatml_template() {
        let t = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
        let f = analyse(t);
        assert!(f.errors.is_empty());
        assert_eq!(names(&f.subscripts), vec!["role", "content"]);
        assert_eq!(names(&f.keywords), vec!["for", "endfor", "if", "endif"]);
        assert_eq!(
            names(&f.names),
            vec![
                "message",
                "messages",
                "message",
                "message",
                "add_generation_prompt"
            ]
        );
        assert!(f.attributes.is_empty());
        assert!(f.texts.is_empty());
    }

    #[test]
    fn gadget_chain_is_listed() {
        let f = analyse("{{ cycler.__init__.__globals__.os.popen('id').read() }}");
        assert_eq!(
            names(&f.attributes),
            vec!["__init__", "__globals__", "os", "popen", "read"]
        );
        assert_eq!(names(&f.names), vec!["cycler"]);
    }

    #[test]
    fn obfuscation_folds() {
        let f = analyse("{{ ()|attr('_'*2 ~ 'class' ~ '_'*2) }}");
        assert!(names(&f.folded).contains(&"__class__"), "{:?}", f.folded);
        assert!(f.filters.iter().any(|x| x.name == "attr" && x.dynamic_arg));
        let f = analyse("{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}");
        assert_eq!(f.filters[0].literal_arg.as_deref(), Some("__class__"));
        let f = analyse("{% set a = '%c%c%c%c%c%c%c%c%c'|format(95,95,99,108,97,115,115,95,95) %}");
        assert!(names(&f.folded).contains(&"__class__"), "{:?}", f.folded);
        let f = analyse("{{ '__ssalc__'|reverse }}");
        assert!(names(&f.folded).contains(&"__class__"));
        let f = analyse("{{ dict(__cla=1,ss__=2)|join }}");
        assert!(names(&f.folded).contains(&"__class__"), "{:?}", f.folded);
    }

    #[test]
    fn raw_comments_and_whitespace_control() {
        let f = analyse("a{#- c -#}b{%- raw -%}{{ x.__class__ }}{%- endraw %}c{{- y -}}");
        assert!(f.attributes.is_empty());
        assert_eq!(names(&f.texts), vec!["a", "b", "{{ x.__class__ }}", "c"]);
        assert_eq!(names(&f.names), vec!["y"]);
    }

    #[test]
    fn errors_are_reported_not_panics() {
        for t in [
            "{{ x",
            "{% if '",
            "{# x",
            "{% raw %}x",
            "{{ 'a\\",
            "{{ '\\x' }}",
            "{{ 0x }}",
        ] {
            let _ = analyse(t);
        }
        assert_eq!(analyse("{{ x").errors.len(), 1);
        assert_eq!(analyse("{{ {'a': 1} }}").errors.len(), 0);
    }
}
