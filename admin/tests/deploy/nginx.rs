//! An nginx configuration as a tree of directives (`name args… ;` or `name args… { … }`),
//! enough to read upstreams, listen ports and `proxy_pass` targets.

/// One directive and, for block directives, its children.
#[derive(Debug, Clone)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub block: Vec<Directive>,
}

impl Directive {
    /// Children named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.block.iter().filter(move |d| d.name == name)
    }

    /// Every descendant named `name`, depth first.
    pub fn descendants(&self, name: &str) -> Vec<&Directive> {
        let mut found = Vec::new();
        for child in &self.block {
            if child.name == name {
                found.push(child);
            }
            found.extend(child.descendants(name));
        }
        found
    }
}

/// Parses a whole file into a root directive (named `main`).
pub fn parse(text: &str) -> Result<Directive, String> {
    let tokens = tokenize(text)?;
    let mut pos = 0;
    let block = parse_block(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err(format!("unexpected `{}`", tokens[pos].text()));
    }
    Ok(Directive {
        name: "main".into(),
        args: Vec::new(),
        block,
    })
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Semicolon,
    Open,
    Close,
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Word(w) => w,
            Token::Semicolon => ";",
            Token::Open => "{",
            Token::Close => "}",
        }
    }
}

fn parse_block(tokens: &[Token], pos: &mut usize) -> Result<Vec<Directive>, String> {
    let mut directives = Vec::new();
    while let Some(token) = tokens.get(*pos) {
        let name = match token {
            Token::Close => return Ok(directives),
            Token::Word(w) => w.clone(),
            other => return Err(format!("unexpected `{}`", other.text())),
        };
        *pos += 1;
        let mut args = Vec::new();
        loop {
            match tokens.get(*pos) {
                Some(Token::Word(w)) => args.push(w.clone()),
                Some(Token::Semicolon) => {
                    *pos += 1;
                    directives.push(Directive {
                        name,
                        args,
                        block: Vec::new(),
                    });
                    break;
                }
                Some(Token::Open) => {
                    *pos += 1;
                    let block = parse_block(tokens, pos)?;
                    if tokens.get(*pos) != Some(&Token::Close) {
                        return Err(format!("block `{name}` is not closed"));
                    }
                    *pos += 1;
                    directives.push(Directive { name, args, block });
                    break;
                }
                Some(Token::Close) | None => {
                    return Err(format!("directive `{name}` lacks its `;`"));
                }
            }
            *pos += 1;
        }
    }
    Ok(directives)
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '#' => while chars.next().is_some_and(|c| c != '\n') {},
            ';' | '{' | '}' => {
                chars.next();
                tokens.push(match c {
                    ';' => Token::Semicolon,
                    '{' => Token::Open,
                    _ => Token::Close,
                });
            }
            '"' | '\'' => {
                chars.next();
                let mut word = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => word.extend(chars.next()),
                        Some(q) if q == c => break,
                        Some(other) => word.push(other),
                        None => return Err("unterminated quoted string".into()),
                    }
                }
                tokens.push(Token::Word(word));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, ';' | '{' | '}') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}
