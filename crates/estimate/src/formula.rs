//! fixest's formula language, parsed into a [`Formula`] (pure syntax: no
//! data, no column lookup) and expanded into one [`Model`] per estimation
//! with [`Formula::models`]. Imports nothing from the crate.
//!
//! # Grammar (fixest's `feols` syntax)
//!
//! ```text
//! formula := lhs '~' rhs ['|' fe] ['|' iv]        (iv: the part holding '~')
//! lhs     := name ('+' name)*                     several outcomes: one model each
//! rhs     := item ('+' item)*
//! item    := '1' | multi | product
//! multi   := ('sw' | 'csw' | 'sw0' | 'csw0') '(' sum (',' sum)* ')'
//! product := inter ('*' inter)*                   a*b = a + b + a:b
//! inter   := atom (':' atom)*
//! atom    := name | 'i(' name [',' name] [',' 'ref' '=' value] ')'
//! fe      := fe_term ('+' fe_term)*,  fe_term := name ('^' name)*
//! iv      := name ('+' name)* '~' name ('+' name)*
//! value   := number | '-' number | "text" | 'c(' value (',' value)* ')'
//! ```
//!
//! A name is a letter, `_` or `.` followed by letters, digits, `_` and `.`,
//! or any text between backticks. Errors ([`FormulaError`]) give the
//! 1-based column of the offending character, e.g. `formula: unexpected ')'
//! at column 14`. [`Formula`]'s `Display` prints a formula that parses back
//! to the same value.

use std::fmt;

/// A syntax error with the 1-based column (in characters) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("formula: {message} at column {column}")]
pub struct FormulaError {
    /// What is wrong.
    pub message: String,
    /// 1-based character column.
    pub column: usize,
}

/// One factor of an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// A numeric column.
    Var(String),
    /// fixest's `i(var, by, ref = …)`: one dummy per level of `var` (except
    /// the reference levels), multiplied by the column `by` if given.
    I {
        /// The factor whose levels make the dummies.
        var: String,
        /// Numeric column the dummies multiply (`i(var, x)`).
        by: Option<String>,
        /// Reference levels left out, as written (`-1`, `"a"`).
        refs: Vec<String>,
    },
}

/// A regressor: the product of one or more atoms (`x1`, `x1:x2`, `i(t):x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term(pub Vec<Atom>);

/// A multiple-estimation operator on the right-hand side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stepwise {
    /// `sw(a, b)`: one model with `a`, one with `b`.
    Sw,
    /// `csw(a, b)`: cumulative, `a` then `a + b`.
    Csw,
    /// `sw0(a, b)`: as `sw` with a first model without any.
    Sw0,
    /// `csw0(a, b)`: as `csw` with a first model without any.
    Csw0,
}

impl Stepwise {
    fn name(self) -> &'static str {
        match self {
            Stepwise::Sw => "sw",
            Stepwise::Csw => "csw",
            Stepwise::Sw0 => "sw0",
            Stepwise::Csw0 => "csw0",
        }
    }
}

/// An item of the right-hand side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RhsItem {
    /// A regressor.
    Term(Term),
    /// `sw(…)`/`csw(…)`: alternatives, each a list of regressors.
    Multi(Stepwise, Vec<Vec<Term>>),
}

/// A fixed effect: one column or the combination `fe1^fe2` of several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeTerm(pub Vec<String>);

impl FeTerm {
    /// The name fixest shows (`fe1^fe2`).
    pub fn name(&self) -> String {
        self.0.join("^")
    }
}

/// The IV part `endog ~ instruments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvPart {
    /// Endogenous regressors.
    pub endog: Vec<String>,
    /// Excluded instruments.
    pub instruments: Vec<String>,
}

/// A parsed formula (possibly describing several models).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Formula {
    /// Dependent variables (several: one model each).
    pub depvars: Vec<String>,
    /// Right-hand side (exogenous regressors; at most one `sw`/`csw`).
    pub rhs: Vec<RhsItem>,
    /// Fixed effects to absorb.
    pub fe: Vec<FeTerm>,
    /// Instrumental-variable part.
    pub iv: Option<IvPart>,
}

/// One model of a formula after multiple estimation is expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Dependent variable.
    pub depvar: String,
    /// Exogenous regressors, in order.
    pub terms: Vec<Term>,
    /// Fixed effects.
    pub fe: Vec<FeTerm>,
    /// Instrumental-variable part.
    pub iv: Option<IvPart>,
}

impl Formula {
    /// Parse fixest formula syntax.
    ///
    /// # Errors
    /// A [`FormulaError`] with the column of the offending character.
    pub fn parse(s: &str) -> Result<Formula, FormulaError> {
        Parser::new(s)?.formula()
    }

    /// The models this formula describes: outcomes outermost, then the
    /// alternatives of `sw`/`csw` in order. Within a model the terms are in
    /// R's `terms()` order, as fixest and pyfixest build the design: by
    /// degree (main effects, then two-way interactions, …; `i()` counts as
    /// one factor), stable within a degree.
    pub fn models(&self) -> Vec<Model> {
        let mut rhs_sets: Vec<Vec<Term>> = vec![Vec::new()];
        for item in &self.rhs {
            match item {
                RhsItem::Term(t) => rhs_sets.iter_mut().for_each(|s| push_term(s, t)),
                RhsItem::Multi(kind, alts) => {
                    let mut variants: Vec<Vec<Term>> = Vec::new();
                    if matches!(kind, Stepwise::Sw0 | Stepwise::Csw0) {
                        variants.push(Vec::new());
                    }
                    let mut acc: Vec<Term> = Vec::new();
                    for a in alts {
                        if matches!(kind, Stepwise::Csw | Stepwise::Csw0) {
                            a.iter().for_each(|t| push_term(&mut acc, t));
                            variants.push(acc.clone());
                        } else {
                            variants.push(a.clone());
                        }
                    }
                    rhs_sets = rhs_sets
                        .iter()
                        .flat_map(|s| {
                            variants.iter().map(move |v| {
                                let mut s = s.clone();
                                v.iter().for_each(|t| push_term(&mut s, t));
                                s
                            })
                        })
                        .collect();
                }
            }
        }
        rhs_sets.iter_mut().for_each(|s| s.sort_by_key(|t| t.0.len()));
        self.depvars
            .iter()
            .flat_map(|y| {
                rhs_sets.iter().map(move |terms| Model {
                    depvar: y.clone(),
                    terms: terms.clone(),
                    fe: self.fe.clone(),
                    iv: self.iv.clone(),
                })
            })
            .collect()
    }
}

fn push_term(set: &mut Vec<Term>, t: &Term) {
    if !set.contains(t) {
        set.push(t.clone());
    }
}

// ---------------------------------------------------------------- printing

fn is_plain(name: &str) -> bool {
    let mut ch = name.chars();
    ch.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '.')
        && ch.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !name.starts_with(|c: char| c == '.' && name[1..].starts_with(|d: char| d.is_ascii_digit()))
}

struct Name<'a>(&'a str);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_plain(self.0) { f.write_str(self.0) } else { write!(f, "`{}`", self.0) }
    }
}

fn write_value(f: &mut fmt::Formatter<'_>, v: &str) -> fmt::Result {
    if v.parse::<f64>().is_ok_and(f64::is_finite) && !v.contains(['"', ' ']) {
        f.write_str(v)
    } else {
        write!(f, "\"{v}\"")
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Var(v) => write!(f, "{}", Name(v)),
            Atom::I { var, by, refs } => {
                write!(f, "i({}", Name(var))?;
                if let Some(b) = by {
                    write!(f, ", {}", Name(b))?;
                }
                match refs.as_slice() {
                    [] => {}
                    [one] => {
                        f.write_str(", ref = ")?;
                        write_value(f, one)?;
                    }
                    many => {
                        f.write_str(", ref = c(")?;
                        for (j, r) in many.iter().enumerate() {
                            if j > 0 {
                                f.write_str(", ")?;
                            }
                            write_value(f, r)?;
                        }
                        f.write_str(")")?;
                    }
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (j, a) in self.0.iter().enumerate() {
            if j > 0 {
                f.write_str(":")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

fn write_sum<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (j, t) in items.iter().enumerate() {
        if j > 0 {
            f.write_str(" + ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for RhsItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RhsItem::Term(t) => write!(f, "{t}"),
            RhsItem::Multi(kind, alts) => {
                write!(f, "{}(", kind.name())?;
                for (j, a) in alts.iter().enumerate() {
                    if j > 0 {
                        f.write_str(", ")?;
                    }
                    write_sum(f, a)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for FeTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (j, n) in self.0.iter().enumerate() {
            if j > 0 {
                f.write_str("^")?;
            }
            write!(f, "{}", Name(n))?;
        }
        Ok(())
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |v: &[String]| v.iter().map(|n| Name(n).to_string()).collect::<Vec<_>>().join(" + ");
        write!(f, "{} ~ ", names(&self.depvars))?;
        if self.rhs.is_empty() {
            f.write_str("1")?;
        } else {
            write_sum(f, &self.rhs)?;
        }
        if !self.fe.is_empty() {
            f.write_str(" | ")?;
            write_sum(f, &self.fe)?;
        }
        if let Some(iv) = &self.iv {
            write!(f, " | {} ~ {}", names(&iv.endog), names(&iv.instruments))?;
        }
        Ok(())
    }
}

// ----------------------------------------------------------------- parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    /// A backtick-quoted name (never a keyword).
    Quoted(String),
    Num(String),
    Str(String),
    Sym(char),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Name(s) | Tok::Num(s) => write!(f, "`{s}`"),
            Tok::Quoted(s) => write!(f, "`{s}`"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Sym(c) => write!(f, "'{c}'"),
            Tok::End => f.write_str("end of formula"),
        }
    }
}

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, FormulaError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |message: String, column: usize| FormulaError { message, column };
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' || c == '.' && !chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            out.push((Tok::Name(chars[start..i].iter().collect()), col));
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if text.parse::<f64>().is_err() {
                return Err(err(format!("`{text}` is not a number"), col));
            }
            out.push((Tok::Num(text), col));
        } else if c == '`' || c == '"' || c == '\'' {
            let close = if c == '`' { '`' } else { c };
            let end =
                chars[i + 1..].iter().position(|&d| d == close).ok_or_else(|| err(format!("unclosed {c}"), col))?;
            let text: String = chars[i + 1..i + 1 + end].iter().collect();
            if c == '`' && text.is_empty() {
                return Err(err("empty name ``".into(), col));
            }
            out.push((if c == '`' { Tok::Quoted(text) } else { Tok::Str(text) }, col));
            i += end + 2;
        } else if "~|+:*^(),=-".contains(c) {
            out.push((Tok::Sym(c), col));
            i += 1;
        } else {
            return Err(err(format!("unexpected '{c}'"), col));
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

impl Parser {
    fn new(s: &str) -> Result<Self, FormulaError> {
        Ok(Parser { toks: lex(s)?, pos: 0 })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)].0
    }

    fn col(&self) -> usize {
        self.toks[self.pos].1
    }

    fn unexpected<T>(&self, wanted: &str) -> Result<T, FormulaError> {
        let message = match self.peek() {
            Tok::End => format!("unexpected end of formula (expected {wanted})"),
            Tok::Sym(c) => format!("unexpected '{c}' (expected {wanted})"),
            t => format!("unexpected {t} (expected {wanted})"),
        };
        Err(FormulaError { message, column: self.col() })
    }

    fn eat(&mut self, c: char) -> bool {
        if *self.peek() == Tok::Sym(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), FormulaError> {
        if self.eat(c) { Ok(()) } else { self.unexpected(&format!("'{c}'")) }
    }

    fn name(&mut self) -> Result<String, FormulaError> {
        match self.peek().clone() {
            Tok::Name(n) | Tok::Quoted(n) => {
                self.pos += 1;
                Ok(n)
            }
            _ => self.unexpected("a column name"),
        }
    }

    fn names(&mut self) -> Result<Vec<String>, FormulaError> {
        let mut v = vec![self.name()?];
        while self.eat('+') {
            v.push(self.name()?);
        }
        Ok(v)
    }

    fn formula(mut self) -> Result<Formula, FormulaError> {
        let depvars = self.names()?;
        self.expect('~')?;
        let rhs = self.rhs()?;
        let mut fe = Vec::new();
        let mut iv = None;
        let mut part = 0;
        while self.eat('|') {
            part += 1;
            if iv.is_some() {
                return Err(FormulaError {
                    message: "the IV part (`endog ~ instruments`) must be the last part".into(),
                    column: self.toks[self.pos - 1].1,
                });
            }
            // The part holding '~' is the IV part.
            let start = self.pos;
            let is_iv = self.toks[start..]
                .iter()
                .take_while(|(t, _)| *t != Tok::Sym('|') && *t != Tok::End)
                .any(|(t, _)| *t == Tok::Sym('~'));
            if is_iv {
                let endog = self.names()?;
                self.expect('~')?;
                let instruments = self.names()?;
                iv = Some(IvPart { endog, instruments });
            } else if part == 1 {
                fe = self.fe_part()?;
            } else {
                return self.unexpected("an IV part `endog ~ instruments`");
            }
        }
        if *self.peek() != Tok::End {
            return self.unexpected(if iv.is_some() { "end of formula" } else { "'+' or '|'" });
        }
        Ok(Formula { depvars, rhs, fe, iv })
    }

    fn fe_part(&mut self) -> Result<Vec<FeTerm>, FormulaError> {
        if *self.peek() == Tok::Num("0".into()) {
            self.pos += 1;
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        loop {
            let mut parts = vec![self.name()?];
            while self.eat('^') {
                parts.push(self.name()?);
            }
            let t = FeTerm(parts);
            if !out.contains(&t) {
                out.push(t);
            }
            if !self.eat('+') {
                return Ok(out);
            }
        }
    }

    fn rhs(&mut self) -> Result<Vec<RhsItem>, FormulaError> {
        let mut out: Vec<RhsItem> = Vec::new();
        let mut has_multi = false;
        loop {
            let col = self.col();
            match self.peek().clone() {
                Tok::Num(n) if n == "1" => self.pos += 1,
                Tok::Num(n) if n == "0" => {
                    return Err(FormulaError {
                        message: "removing the intercept (`0`) is not supported; fixed effects absorb it".into(),
                        column: col,
                    });
                }
                Tok::Sym('-') => {
                    return Err(FormulaError {
                        message: "removing terms with '-' is not supported".into(),
                        column: col,
                    });
                }
                Tok::Name(n)
                    if matches!(n.as_str(), "sw" | "csw" | "sw0" | "csw0") && *self.peek_at(1) == Tok::Sym('(') =>
                {
                    if has_multi {
                        return Err(FormulaError {
                            message: "only one sw()/csw() is allowed on the right-hand side".into(),
                            column: col,
                        });
                    }
                    has_multi = true;
                    let kind = match n.as_str() {
                        "sw" => Stepwise::Sw,
                        "csw" => Stepwise::Csw,
                        "sw0" => Stepwise::Sw0,
                        _ => Stepwise::Csw0,
                    };
                    self.pos += 2;
                    let mut alts = Vec::new();
                    loop {
                        let mut sum = Vec::new();
                        loop {
                            for t in self.product()? {
                                push_term(&mut sum, &t);
                            }
                            if !self.eat('+') {
                                break;
                            }
                        }
                        alts.push(sum);
                        if !self.eat(',') {
                            break;
                        }
                    }
                    self.expect(')')?;
                    out.push(RhsItem::Multi(kind, alts));
                }
                _ => {
                    for t in self.product()? {
                        let item = RhsItem::Term(t);
                        if !out.contains(&item) {
                            out.push(item);
                        }
                    }
                }
            }
            if !self.eat('+') {
                return Ok(out);
            }
        }
    }

    /// `inter ('*' inter)*`, expanded: `a*b` is `a + b + a:b`.
    fn product(&mut self) -> Result<Vec<Term>, FormulaError> {
        let mut set = vec![self.inter()?];
        while self.eat('*') {
            let next = self.inter()?;
            let mut out = set.clone();
            push_term(&mut out, &next);
            for s in &set {
                let mut atoms = s.0.clone();
                for a in &next.0 {
                    if !atoms.contains(a) {
                        atoms.push(a.clone());
                    }
                }
                push_term(&mut out, &Term(atoms));
            }
            set = out;
        }
        Ok(set)
    }

    fn inter(&mut self) -> Result<Term, FormulaError> {
        let mut atoms = vec![self.atom()?];
        while self.eat(':') {
            let a = self.atom()?;
            if !atoms.contains(&a) {
                atoms.push(a);
            }
        }
        Ok(Term(atoms))
    }

    fn atom(&mut self) -> Result<Atom, FormulaError> {
        if *self.peek() == Tok::Name("i".into()) && *self.peek_at(1) == Tok::Sym('(') {
            self.pos += 2;
            let var = self.name()?;
            let mut by = None;
            let mut refs = Vec::new();
            while self.eat(',') {
                let keyword = matches!(self.peek(), Tok::Name(n) if n == "ref") && *self.peek_at(1) == Tok::Sym('=');
                if keyword {
                    self.pos += 2;
                    refs = self.values()?;
                } else if by.is_none() && refs.is_empty() {
                    by = Some(self.name()?);
                } else {
                    return self.unexpected("`ref = value` or ')'");
                }
            }
            self.expect(')')?;
            return Ok(Atom::I { var, by, refs });
        }
        match self.peek() {
            Tok::Name(n)
                if matches!(n.as_str(), "sw" | "csw" | "sw0" | "csw0") && *self.peek_at(1) == Tok::Sym('(') =>
            {
                Err(FormulaError {
                    message: format!("{n}() is only allowed as a whole right-hand-side item"),
                    column: self.col(),
                })
            }
            Tok::Name(n) if *self.peek_at(1) == Tok::Sym('(') => Err(FormulaError {
                message: format!("unknown function `{n}()` (supported: i(), sw(), csw(), sw0(), csw0())"),
                column: self.col(),
            }),
            _ => Ok(Atom::Var(self.name()?)),
        }
    }

    fn values(&mut self) -> Result<Vec<String>, FormulaError> {
        if *self.peek() == Tok::Name("c".into()) && *self.peek_at(1) == Tok::Sym('(') {
            self.pos += 2;
            let mut v = vec![self.value()?];
            while self.eat(',') {
                v.push(self.value()?);
            }
            self.expect(')')?;
            Ok(v)
        } else {
            Ok(vec![self.value()?])
        }
    }

    fn value(&mut self) -> Result<String, FormulaError> {
        let neg = self.eat('-');
        match self.peek().clone() {
            Tok::Num(n) => {
                self.pos += 1;
                Ok(if neg { format!("-{n}") } else { n })
            }
            Tok::Str(s) | Tok::Name(s) | Tok::Quoted(s) if !neg => {
                self.pos += 1;
                Ok(s)
            }
            _ => self.unexpected("a reference value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(s: &str) -> Term {
        Term(vec![Atom::Var(s.into())])
    }

    #[test]
    fn parts_fe_and_iv() {
        let f = Formula::parse("y ~ x1 + x2 | fe1 + fe1^fe2 | d1 + d2 ~ z1 + z2 + z3").unwrap();
        assert_eq!(f.depvars, ["y"]);
        assert_eq!(f.rhs, vec![RhsItem::Term(var("x1")), RhsItem::Term(var("x2"))]);
        assert_eq!(f.fe, vec![FeTerm(vec!["fe1".into()]), FeTerm(vec!["fe1".into(), "fe2".into()])]);
        let iv = f.iv.unwrap();
        assert_eq!(iv.endog, ["d1", "d2"]);
        assert_eq!(iv.instruments, ["z1", "z2", "z3"]);
        let g = Formula::parse("y ~ x | d ~ z").unwrap();
        assert!(g.fe.is_empty());
        assert_eq!(g.iv.unwrap().endog, ["d"]);
        let h = Formula::parse("y ~ 1 | fe | d ~ z").unwrap();
        assert!(h.rhs.is_empty());
        assert_eq!(h.to_string(), "y ~ 1 | fe | d ~ z");
    }

    #[test]
    fn star_expands_and_i_parses() {
        let f = Formula::parse("y ~ a*b + i(t, x, ref = -1) + i(g, ref = c(\"u\", 2))").unwrap();
        let ab = Term(vec![Atom::Var("a".into()), Atom::Var("b".into())]);
        assert_eq!(f.rhs[..3], [RhsItem::Term(var("a")), RhsItem::Term(var("b")), RhsItem::Term(ab)]);
        assert_eq!(
            f.rhs[3],
            RhsItem::Term(Term(vec![Atom::I { var: "t".into(), by: Some("x".into()), refs: vec!["-1".into()] }]))
        );
        assert_eq!(f.to_string(), "y ~ a + b + a:b + i(t, x, ref = -1) + i(g, ref = c(\"u\", 2))");
    }

    #[test]
    fn multiple_estimation_expands_in_fixest_order() {
        let f = Formula::parse("y1 + y2 ~ x + csw(a, b + c) | fe").unwrap();
        let m = f.models();
        assert_eq!(m.len(), 4);
        let show = |m: &Model| {
            format!("{} ~ {}", m.depvar, m.terms.iter().map(ToString::to_string).collect::<Vec<_>>().join(" + "))
        };
        assert_eq!(show(&m[0]), "y1 ~ x + a");
        assert_eq!(show(&m[1]), "y1 ~ x + a + b + c");
        assert_eq!(show(&m[3]), "y2 ~ x + a + b + c");
        // fixest's (R's terms()) order: main effects before interactions.
        let d = Formula::parse("y ~ a:b + c + i(t, x)").unwrap().models();
        assert_eq!(show(&d[0]), "y ~ c + i(t, x) + a:b");
        let s = Formula::parse("y ~ sw0(a, b)").unwrap().models();
        assert_eq!(s.iter().map(|m| m.terms.len()).collect::<Vec<_>>(), [0, 1, 1]);
    }

    #[test]
    fn errors_point_at_the_character() {
        let e = Formula::parse("y ~ x1 + x2 + )").unwrap_err();
        assert_eq!(e.column, 15, "{e}");
        assert!(e.to_string().starts_with("formula: unexpected ')'"), "{e}");
        assert!(e.to_string().ends_with("at column 15"), "{e}");
        assert_eq!(Formula::parse("y ~ i(t").unwrap_err().column, 8);
        assert_eq!(Formula::parse("y x").unwrap_err().column, 3);
        assert_eq!(Formula::parse("y ~ x | f | d ~ z | g").unwrap_err().column, 19);
        assert_eq!(Formula::parse("y ~ x $ z").unwrap_err().column, 7);
        assert!(Formula::parse("y ~ log(x)").unwrap_err().message.contains("unknown function `log()`"));
        assert!(Formula::parse("y ~ x | f | g").is_err());
        assert!(Formula::parse("y ~ sw(a, b) + csw(c)").is_err());
    }
}
