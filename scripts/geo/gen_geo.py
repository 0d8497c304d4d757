#!/usr/bin/env python3
"""Generate core/src/guard/geo_data.rs: phone-number prefix -> region / high-cost class.

Source: libphonenumber's metadata as shipped in the PyPI package
`phonenumbers`, pinned to version 9.0.43 (the script refuses to run with any
other version, so the output is reproducible).  Prefix expansion uses the PyPI
package `regex` (for partial matching; generated with regex 2026.11.15).

Regenerate (from the repository root; the script writes to stdout):

    .venv/bin/pip install phonenumbers==9.0.43 regex==2026.11.15
    .venv/bin/python scripts/geo/gen_geo.py > core/src/guard/geo_data.rs

Output is deterministic: every table is sorted and nothing depends on hash or
dict iteration order.

What is generated
-----------------
REGION_PREFIXES: "<e164 digits><REGION>" entries; longest prefix wins.
  * One entry per geographic calling code for its main region.
  * For calling codes shared by several regions, digit prefixes of the
    national significant number (depth cap 4) are explored breadth-first,
    mimicking phonenumbers' region_code_for_number precedence: regions are
    tried in metadata order; a region with `leading_digits` claims a prefix
    when the pattern matches a prefix of it (partial match: "may claim"); a
    region without `leading_digits` "may claim" a prefix when any of its
    number-type patterns partially matches it.  A prefix is resolved when the
    first region that may claim it claims all of it, or it is the only one
    that may claim it.  Prefixes no region may claim are "don't care".
    Prefixes still ambiguous at the depth cap take the first region that may
    claim them.  A small tree DP then picks the shortest set of entries
    (collapsing siblings, dropping entries equal to the inherited region).
HIGH_COST_PREFIXES: "<class><e164 digits>" entries.
  * S: every non-geographic calling code except 800 (international
    freephone); P for 979 (international premium rate).
  * P: national premium-rate and shared-cost ranges.  Per calling code (all
    regions sharing it pooled, which is the conservative choice), digit
    prefixes are explored breadth-first to depth 6; a prefix is emitted when a
    premium/shared-cost pattern may still match and no other number type
    (fixed line, mobile, toll free, VoIP, personal, pager, UAN, voicemail) of
    any region of that calling code can match any completion.  Nothing is
    emitted at the cap.  Ten emitted siblings collapse into their parent.
EXAMPLES (test only): phonenumbers' example numbers for every region and type.
"""

import sys

import phonenumbers
import regex
from phonenumbers import PhoneMetadata, PhoneNumberType as T

PINNED = "9.0.43"
REGION_DEPTH = 4
PREMIUM_DEPTH = 6
DIGITS = "0123456789"

HIGH = ("premium_rate", "shared_cost")
OTHER = ("fixed_line", "mobile", "toll_free", "voip", "personal_number",
         "pager", "uan", "voicemail")
ALL_TYPES = HIGH + OTHER

# Known gaps, found by running the generator; each is explained in the output.
MAX_REGION_EXCEPTIONS = 9


def compile_types(md, names):
    out = []
    for n in names:
        d = getattr(md, n, None)
        pat = d.national_number_pattern if d is not None else None
        if pat:
            out.append(regex.compile(pat))
    return out


def may_match(pats, p):
    return any(r.fullmatch(p, partial=True) is not None for r in pats)


# ---------------------------------------------------------------- regions

class Claimer:
    def __init__(self, rc):
        md = PhoneMetadata.metadata_for_region(rc)
        self.rc = rc
        self.ld = regex.compile(md.leading_digits) if md.leading_digits else None
        self.types = compile_types(md, ALL_TYPES)

    def claim(self, p):
        """'all', 'some' or 'none' for national prefix p."""
        if self.ld is not None:
            if self.ld.match(p) is not None:
                return "all"
            return "some" if self.ld.fullmatch(p, partial=True) else "none"
        return "some" if may_match(self.types, p) else "none"


def resolve(claimers, p):
    """('det', rc) | ('dc', None) | ('amb', first_claimer)."""
    cl = [(c.rc, c.claim(p)) for c in claimers]
    live = [(rc, k) for rc, k in cl if k != "none"]
    if not live:
        return ("dc", None)
    if live[0][1] == "all" or len(live) == 1:
        return ("det", live[0][0])
    return ("amb", live[0][0])


def build_tree(claimers, p, depth):
    kind, rc = resolve(claimers, p)
    if kind == "amb" and depth < REGION_DEPTH:
        return ("node", p, [build_tree(claimers, p + d, depth + 1) for d in DIGITS])
    if kind == "amb":
        kind = "det"  # at the cap: first region that may claim it
    return (kind, p, rc)


def solve(tree, inh, cc, regions, memo):
    """Minimal (cost, entries) for subtree given inherited region inh."""
    kind, p = tree[0], tree[1]
    if (p, inh) in memo:
        return memo[(p, inh)]
    memo[(p, inh)] = r = _solve(tree, inh, cc, regions, memo)
    return r


def _solve(tree, inh, cc, regions, memo):
    kind, p = tree[0], tree[1]
    if kind == "dc":
        return (0, [])
    if kind == "det":
        rc = tree[2]
        if rc == inh:
            return (0, [])
        return (len(cc) + len(p) + 3, [(cc + p, rc)])
    best = None
    for choice in [None] + regions:
        if choice == inh:
            continue
        sub_inh = inh if choice is None else choice
        cost, ents = 0, []
        if choice is not None:
            cost, ents = len(cc) + len(p) + 3, [(cc + p, choice)]
        for ch in tree[2]:
            c, e = solve(ch, sub_inh, cc, regions, memo)
            cost += c
            ents = ents + e
        if best is None or cost < best[0]:
            best = (cost, ents)
    return best


def region_entries():
    entries = []
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        regions = list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc])
        if regions == ["001"]:
            continue
        scc = str(cc)
        main = regions[0]
        entries.append((scc, main))
        if len(regions) == 1:
            continue
        claimers = [Claimer(rc) for rc in regions]
        children = [build_tree(claimers, d, 1) for d in DIGITS]
        memo = {}
        for ch in children:
            entries.extend(solve(ch, main, scc, regions, memo)[1])
    return entries


def lookup_region(entries, digits):
    best = None
    for pre, rc in entries:
        if digits.startswith(pre) and (best is None or len(pre) > len(best[0])):
            best = (pre, rc)
    return best[1] if best else None


# ---------------------------------------------------------------- high cost

def premium_prefixes(high, other, p, depth):
    """Emitted national prefixes under p (p itself not emitted by caller)."""
    out = []
    for d in DIGITS:
        q = p + d
        if not may_match(high, q):
            continue
        if not may_match(other, q):
            out.append(q)
        elif depth + 1 < PREMIUM_DEPTH:
            out.extend(premium_prefixes(high, other, q, depth + 1))
    # collapse: all ten children emitted -> the node itself, unless the node
    # itself is a complete number of another type
    if p and [q for q in out if len(q) == len(p) + 1] == [p + d for d in DIGITS] \
            and not any(r.fullmatch(p) for r in other):
        return [p]
    return out


def high_cost_entries():
    entries = set()
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        if cc == 800:
            continue
        entries.add(("P" if cc == 979 else "S", str(cc)))
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
        if regions == ("001",) or list(regions) == ["001"]:
            continue
        high, other = [], []
        for rc in regions:
            md = PhoneMetadata.metadata_for_region(rc)
            high += compile_types(md, HIGH)
            other += compile_types(md, OTHER)
        if not high:
            continue
        for q in premium_prefixes(high, other, "", 0):
            entries.add(("P", str(cc) + q))
    # drop entries covered by a shorter entry
    out = []
    for cls, pre in sorted(entries, key=lambda e: (e[0], e[1])):
        if not any(pre.startswith(o) and pre != o for _, o in entries):
            out.append((cls, pre))
    return out


def lookup_class(entries, digits):
    for cls, pre in entries:
        if digits.startswith(pre):
            return cls
    return None


# ---------------------------------------------------------------- examples

TYPE_CLASS = {
    T.PREMIUM_RATE: "P", T.SHARED_COST: "P",
    T.MOBILE: "-", T.FIXED_LINE: "-", T.FIXED_LINE_OR_MOBILE: "-",
    T.TOLL_FREE: "-", T.VOIP: "-", T.PERSONAL_NUMBER: "-", T.PAGER: "-",
    T.UAN: "-", T.VOICEMAIL: "-",
}
EX_TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE,
            T.SHARED_COST, T.VOIP, T.PERSONAL_NUMBER, T.PAGER, T.UAN,
            T.VOICEMAIL]
NONGEO_ATTR = {T.FIXED_LINE: "fixed_line", T.MOBILE: "mobile",
               T.TOLL_FREE: "toll_free", T.PREMIUM_RATE: "premium_rate",
               T.SHARED_COST: "shared_cost", T.VOIP: "voip",
               T.PERSONAL_NUMBER: "personal_number", T.PAGER: "pager",
               T.UAN: "uan", T.VOICEMAIL: "voicemail"}


def examples():
    """Rows (e164, expected region or '' for non-geographic, class)."""
    rows = set()
    for rc in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in EX_TYPES:
            n = phonenumbers.example_number_for_type(rc, t)
            if n is None:
                continue
            real_t = phonenumbers.number_type(n)
            cls = TYPE_CLASS.get(real_t)
            if cls is None:
                continue
            reg = phonenumbers.region_code_for_number(n)
            if reg is None:
                continue
            e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
            rows.add((e164, reg, cls))
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        md = PhoneMetadata.metadata_for_nongeo_region(cc)
        for t in EX_TYPES:
            d = getattr(md, NONGEO_ATTR[t], None)
            if d is None or not d.example_number:
                continue
            e164 = "+%d%s" % (cc, d.example_number)
            cls = "-" if cc == 800 else ("P" if cc == 979 else "S")
            rows.add((e164, "", cls))
    return sorted(rows)


# ---------------------------------------------------------------- output

def chunked_const(name, entries, doc):
    s = ",".join(entries)
    lines = ["/// " + l for l in doc]
    lines.append("pub const %s: &str = concat!(" % name)
    line = ""
    parts = [e + "," for e in entries]
    if parts:
        parts[-1] = parts[-1][:-1]
    for part in parts:
        if len(line) + len(part) > 88:
            lines.append('    "%s",' % line)
            line = ""
        line += part
    if line:
        lines.append('    "%s",' % line)
    lines.append(");")
    return lines, len(s)


def rust_str_list(items):
    return ", ".join('"%s"' % i for i in items)


def main():
    if phonenumbers.__version__ != PINNED:
        sys.exit("gen_geo.py: need phonenumbers==%s, found %s"
                 % (PINNED, phonenumbers.__version__))

    reg = region_entries()
    # sort: by calling-code digits, then prefix (deterministic, readable)
    reg = sorted(set(reg), key=lambda e: (e[0], e[1]))
    hc = high_cost_entries()
    ex = examples()

    # Compute the gaps the Rust tests must tolerate, with reasons.
    reg_fail = {}
    p_fail = {}
    for e164, want, cls in ex:
        digits = e164[1:]
        got = lookup_region(reg, digits)
        if (got or "") != want:
            reg_fail.setdefault(want, []).append(e164)
        gc = lookup_class(hc, digits)
        if cls == "P" and gc != "P":
            p_fail.setdefault(want, []).append(e164)
        if cls == "-" and gc is not None:
            sys.exit("gen_geo.py: ordinary number %s classed %s" % (e164, gc))
        if cls == "S" and gc != "S":
            sys.exit("gen_geo.py: non-geo number %s not classed S" % e164)
    if len(reg_fail) > MAX_REGION_EXCEPTIONS:
        sys.exit("gen_geo.py: too many region exceptions: %s" % sorted(reg_fail))
    geo_regions = sorted(r for r in phonenumbers.SUPPORTED_REGIONS)
    if len(p_fail) * 10 >= len(geo_regions):
        sys.exit("gen_geo.py: too many premium exceptions: %s" % sorted(p_fail))

    def reg_reason(rc):
        md = PhoneMetadata.metadata_for_region(rc)
        if md.leading_digits:
            why = "leading digits `%s` need more than %d national digits" % (
                md.leading_digits, REGION_DEPTH)
        else:
            why = ("no leading digits; its number patterns only diverge from "
                   "the other regions of +%d beyond %d national digits"
                   % (md.country_code, REGION_DEPTH))
        return why

    def p_reason(rc, nums):
        md = PhoneMetadata.metadata_for_region(rc)
        why = set()
        for n in nums:
            nsn = n[1 + len(str(md.country_code)):]
            for r2 in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[md.country_code]:
                for t in OTHER:
                    for pat in compile_types(PhoneMetadata.metadata_for_region(r2), [t]):
                        if pat.fullmatch(nsn[:PREMIUM_DEPTH], partial=True):
                            why.add("%s %s" % (r2, t))
        return "%s overlaps %s" % (", ".join(sorted(nums)), ", ".join(sorted(why)))

    out = []
    w = out.append
    w("// @generated by scripts/geo/gen_geo.py -- DO NOT EDIT.")
    w("//")
    w("// Source: libphonenumber metadata via the `phonenumbers` PyPI package,")
    w("// version %s (prefix expansion with the `regex` package)." % PINNED)
    w("// Regenerate from the repository root:")
    w("//   .venv/bin/pip install phonenumbers==%s regex==2026.11.15" % PINNED)
    w("//   .venv/bin/python scripts/geo/gen_geo.py > core/src/guard/geo_data.rs")
    w("//")
    w("// %d region entries, %d high-cost entries, %d test examples."
      % (len(reg), len(hc), len(ex)))
    w("")
    lines, reg_len = chunked_const("REGION_PREFIXES", [p + r for p, r in reg], [
        "Comma-separated `<E.164 digits><ISO 3166-1 alpha-2>` entries; the longest",
        "matching prefix gives the region (see [`region_of`]).",
        "Shared calling codes are resolved to %d national digits." % REGION_DEPTH,
    ])
    out.extend(lines)
    w("")
    lines, hc_len = chunked_const("HIGH_COST_PREFIXES", [c + p for c, p in hc], [
        "Comma-separated `<class><E.164 digits>` entries (see [`high_cost_class`]):",
        "`S` satellite / international network (non-geographic calling codes but",
        "800), `P` premium rate or shared cost (incl. +979). National `P` ranges are",
        "only those exclusive to premium/shared cost within %d national digits." % PREMIUM_DEPTH,
    ])
    out.extend(lines)
    w("")
    w("/// Digits of an E.164 number: `+` optional, then ASCII digits only.")
    w("fn digits(e164: &str) -> Option<&str> {")
    w("    let d = e164.strip_prefix('+').unwrap_or(e164);")
    w("    (!d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)")
    w("}")
    w("")
    w("/// ISO 3166-1 alpha-2 region of an E.164 number (`\"+18765550100\"` -> `JM`),")
    w("/// by longest prefix over [`REGION_PREFIXES`]; `None` for non-geographic")
    w("/// or unknown calling codes.")
    w("pub fn region_of(e164: &str) -> Option<[u8; 2]> {")
    w("    let d = digits(e164)?;")
    w("    let mut best: Option<(usize, &[u8])> = None;")
    w("    for e in REGION_PREFIXES.split(',') {")
    w("        let n = e.len().checked_sub(2)?;")
    w("        let (p, r) = (e.get(..n)?, e.get(n..)?);")
    w("        if d.starts_with(p) && best.is_none_or(|(l, _)| n > l) {")
    w("            best = Some((n, r.as_bytes()));")
    w("        }")
    w("    }")
    w("    best.and_then(|(_, r)| r.try_into().ok())")
    w("}")
    w("")
    w("/// `Some(b'S')` (satellite / international network) or `Some(b'P')` (premium")
    w("/// rate / shared cost) when the number falls in such a range, else `None`.")
    w("pub fn high_cost_class(e164: &str) -> Option<u8> {")
    w("    let d = digits(e164)?;")
    w("    HIGH_COST_PREFIXES.split(',').find_map(|e| {")
    w("        let c = *e.as_bytes().first()?;")
    w("        d.starts_with(e.get(1..)?).then_some(c)")
    w("    })")
    w("}")
    w("")
    w("/// (E.164, region per phonenumbers or \"\" for non-geographic, class):")
    w("/// `b'S'`/`b'P'` expected class, `b'-'` must not be high cost.")
    w("#[cfg(test)]")
    w("const EXAMPLES: &[(&str, &str, u8)] = &[")
    for e164, want, cls in ex:
        w("    (\"%s\", \"%s\", b'%s')," % (e164, want, cls))
    w("];")
    w("")
    w("/// Regions whose example numbers `region_of` gets wrong because of the")
    w("/// %d-digit depth cap (the number then maps to the calling code's main" % REGION_DEPTH)
    w("/// region or the first region that may claim the prefix):")
    for rc in sorted(reg_fail):
        w("/// - %s: %s (%s)." % (rc, reg_reason(rc), ", ".join(sorted(reg_fail[rc]))))
    w("#[cfg(test)]")
    w("const REGION_EXCEPTIONS: &[&str] = &[%s];" % rust_str_list(sorted(reg_fail)))
    w("")
    w("/// Regions whose premium-rate / shared-cost example is not classed `P`:")
    w("/// within its first %d national digits the range also holds (usually" % PREMIUM_DEPTH)
    w("/// shorter) numbers of an ordinary type, so the conservative expansion")
    w("/// emits nothing for it:")
    for rc in sorted(p_fail):
        w("/// - %s: %s." % (rc, p_reason(rc, p_fail[rc])))
    w("#[cfg(test)]")
    w("const PREMIUM_EXCEPTIONS: &[&str] = &[%s];" % rust_str_list(sorted(p_fail)))
    w("")
    w(TESTS.strip("\n"))
    sys.stdout.write("\n".join(out) + "\n")
    sys.stderr.write("REGION_PREFIXES %d bytes, %d entries; HIGH_COST_PREFIXES %d bytes,"
                     " %d entries; %d examples; region exceptions %s; premium"
                     " exceptions %s\n" % (reg_len, len(reg), hc_len, len(hc), len(ex),
                                            sorted(reg_fail), sorted(p_fail)))


TESTS = r'''
#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

    fn region(n: &str) -> Option<String> {
        region_of(n).map(|r| String::from_utf8(r.to_vec()).unwrap())
    }

    #[test]
    fn known_regions() {
        for (n, r) in [
            ("+14155550100", "US"),
            ("+12045550100", "CA"),
            ("+18765550100", "JM"),
            ("+12845550100", "VG"),
            ("+447700900123", "GB"),
            ("+441481123456", "GG"),
            ("+77012345678", "KZ"),
            ("+74951234567", "RU"),
            ("+33612345678", "FR"),
        ] {
            assert_eq!(region(n).as_deref(), Some(r), "{n}");
        }
        assert_eq!(region_of("+8821612345678"), None);
        assert_eq!(region_of(""), None);
        assert_eq!(region_of("+"), None);
        assert_eq!(region_of("+1x"), None);
    }

    #[test]
    fn known_high_cost() {
        for (n, c) in [
            ("+8821612345678", Some(b'S')),
            ("+881612345678", Some(b'S')),
            ("+97912345678", Some(b'P')),
            ("+19005550100", Some(b'P')),
            ("+449098790000", Some(b'P')),
            ("+80012345678", None),
            ("+447700900123", None),
            ("+14155550100", None),
            ("+33612345678", None),
        ] {
            assert_eq!(high_cost_class(n), c, "{n}");
        }
    }

    #[test]
    fn tables_well_formed() {
        for e in REGION_PREFIXES.split(',') {
            let (p, r) = e.split_at(e.len() - 2);
            assert!(
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
                "{e}"
            );
            assert!(r.bytes().all(|b| b.is_ascii_uppercase()), "{e}");
        }
        for e in HIGH_COST_PREFIXES.split(',') {
            let (c, p) = e.split_at(1);
            assert!(c == "S" || c == "P", "{e}");
            assert!(
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
                "{e}"
            );
        }
    }

    #[test]
    fn examples_regions() {
        let mut bad = Vec::new();
        let mut excused = 0;
        for &(n, want, _) in EXAMPLES {
            let got = region(n).unwrap_or_default();
            if got != want {
                if REGION_EXCEPTIONS.contains(&want) {
                    excused += 1;
                } else {
                    bad.push(format!("{n}: want {want:?} got {got:?}"));
                }
            }
        }
        println!(
            "{} examples, {} excused region mismatches ({} regions listed)",
            EXAMPLES.len(),
            excused,
            REGION_EXCEPTIONS.len()
        );
        assert!(EXAMPLES.len() > 300);
        assert!(REGION_EXCEPTIONS.len() < 10);
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn examples_classes() {
        let mut bad = Vec::new();
        let mut excused = 0;
        for &(n, region, class) in EXAMPLES {
            let got = high_cost_class(n);
            let ok = match class {
                b'-' => got.is_none(),
                c => got == Some(c),
            };
            if !ok {
                if class == b'P' && PREMIUM_EXCEPTIONS.contains(&region) {
                    excused += 1;
                } else {
                    bad.push(format!(
                        "{n} ({region}): want {} got {got:?}",
                        class as char
                    ));
                }
            }
        }
        let regions = EXAMPLES
            .iter()
            .filter(|e| !e.1.is_empty())
            .map(|e| e.1)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        println!(
            "{} premium/shared-cost examples excused, {} of {} regions listed",
            excused,
            PREMIUM_EXCEPTIONS.len(),
            regions
        );
        assert!(PREMIUM_EXCEPTIONS.len() * 10 < regions);
        assert!(bad.is_empty(), "{bad:#?}");
    }
}
'''

if __name__ == "__main__":
    main()
