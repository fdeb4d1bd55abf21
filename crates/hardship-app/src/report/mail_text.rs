//! The readable text of a stored CMS decision e-mail, for the binder: a saved message (`.eml`) with its
//! sender, recipient, date and subject and its plain body (MIME parts and transfer encodings decoded,
//! HTML reduced to text), a text or HTML file as it reads, and a PDF's text where it has a text layer.
//! Anything else, or a file that cannot be read, says why instead.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a binder prints of an e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailText {
    /// From, To, Date, Subject, as far as the file has them.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The longest body printed (a forwarded thread can be long; the file itself is in the inventory).
const MAX_BODY_CHARS: usize = 20_000;

/// The text of a document, or why there is none.
pub fn extract(filename: &str, content_type: &str, bytes: &[u8]) -> Result<MailText, String> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let ct = content_type.to_ascii_lowercase();
    let mut text = if ct.starts_with("message/rfc822") || ext == "eml" {
        message(bytes)?
    } else if ct.starts_with("application/pdf") || ext == "pdf" {
        pdf(bytes)?
    } else if ct.starts_with("text/html") || ext == "html" || ext == "htm" {
        plain(html_to_text(&decode(bytes)))
    } else if ct.starts_with("text/") || ext == "txt" {
        // A message saved as text still starts with its headers: read it as one when it does.
        message(bytes)
            .ok()
            .filter(|m| !m.headers.is_empty())
            .unwrap_or_else(|| plain(decode(bytes)))
    } else {
        return Err(format!(
            "{filename} is {content_type}: its text cannot be read here; the file is in the evidence inventory"
        ));
    };
    if text.body.chars().count() > MAX_BODY_CHARS {
        text.body = text.body.chars().take(MAX_BODY_CHARS).collect();
        text.body.push_str("\n[… the rest is in the file]");
    }
    text.body = text.body.trim().to_owned();
    Ok(text)
}

fn plain(body: String) -> MailText {
    MailText {
        headers: Vec::new(),
        body,
    }
}

/// UTF-8, else Windows-1252 (what Outlook saves on Windows).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

fn message(bytes: &[u8]) -> Result<MailText, String> {
    let m = mailparse::parse_mail(bytes).map_err(|e| format!("not a readable e-mail: {e}"))?;
    let headers: Vec<(String, String)> = ["From", "To", "Date", "Subject"]
        .iter()
        .filter_map(|h| {
            m.headers
                .iter()
                .find(|x| x.get_key().eq_ignore_ascii_case(h))
                .map(|x| ((*h).to_owned(), x.get_value()))
        })
        .collect();
    let body = body_of(&m, "text/plain")
        .or_else(|| body_of(&m, "text/html").map(|h| html_to_text(&h)))
        .unwrap_or_default();
    Ok(MailText { headers, body })
}

/// The first part of a MIME type, depth first (attachments' own text included only when nothing else is).
fn body_of(m: &mailparse::ParsedMail<'_>, mimetype: &str) -> Option<String> {
    if m.subparts.is_empty() {
        return (m.ctype.mimetype.eq_ignore_ascii_case(mimetype))
            .then(|| m.get_body().ok())
            .flatten();
    }
    m.subparts.iter().find_map(|p| body_of(p, mimetype))
}

/// A PDF's text layer. The reader is run so that a malformed file it cannot handle is reported, never
/// allowed to take the binder down.
fn pdf(bytes: &[u8]) -> Result<MailText, String> {
    let read = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    match read {
        Ok(Ok(text)) if !text.trim().is_empty() => Ok(plain(text)),
        Ok(Ok(_)) => {
            Err("the PDF has no text layer (a scan?); the file is in the evidence inventory".into())
        }
        Ok(Err(e)) => Err(format!(
            "the PDF's text could not be read ({e}); the file is in the evidence inventory"
        )),
        Err(_) => {
            Err("the PDF's text could not be read; the file is in the evidence inventory".into())
        }
    }
}

/// HTML as text: tags dropped, block ends as line breaks, the common entities decoded.
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table"
        ) {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
        // The contents of style and script are not text.
        if (name == "style" || name == "script") && !tag.starts_with('/') {
            let end = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&end)
                .map_or("", |i| &rest[i..]);
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    // Runs of blank lines from nested blocks become one.
    let mut lines: Vec<&str> = Vec::new();
    for l in decoded.lines().map(str::trim) {
        if !(l.is_empty() && lines.last().is_some_and(|p| p.is_empty())) {
            lines.push(l);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EML: &str = "From: QPP Service Center <qpp@cms.hhs.gov>\r\nTo: =?utf-8?Q?Nguy=E1=BB=85n_V=C4=83n_An?= <an@clinic.test>\r\nDate: Tue, 02 Sep 2025 14:03:00 -0400\r\nSubject: =?utf-8?B?UEkgaGFyZHNoaXAgZXhjZXB0aW9uIOKAlCBhcHByb3ZlZA==?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour application QPP-HE-1234 for TIN 123456789 has been approved.=0D=0AR=C3=A9sum=C3=A9 follows.\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML copy</p>\r\n--b1--\r\n";

    #[test]
    fn an_eml_gives_its_headers_and_plain_body_decoded() {
        let t = extract("approval.eml", "message/rfc822", EML.as_bytes()).unwrap();
        assert_eq!(
            t.headers,
            vec![
                ("From".into(), "QPP Service Center <qpp@cms.hhs.gov>".into()),
                ("To".into(), "Nguyễn Văn An <an@clinic.test>".into()),
                ("Date".into(), "Tue, 02 Sep 2025 14:03:00 -0400".into()),
                ("Subject".into(), "PI hardship exception — approved".into()),
            ]
        );
        assert!(
            t.body.starts_with("Your application QPP-HE-1234"),
            "{}",
            t.body
        );
        assert!(t.body.contains("Résumé"), "{}", t.body);
        assert!(!t.body.contains("HTML copy"), "the plain part is preferred");
    }

    #[test]
    fn an_html_only_message_reads_as_text() {
        let eml = "From: qpp@cms.hhs.gov\r\nSubject: Denied\r\nContent-Type: text/html\r\n\r\n<html><style>p{color:red}</style><body><p>Your request was <b>denied</b>.</p><p>Reason: &quot;not eligible&quot; &amp; more</p></body></html>";
        let t = extract("denied.eml", "application/octet-stream", eml.as_bytes()).unwrap();
        assert_eq!(
            t.body,
            "Your request was denied.\n\nReason: \"not eligible\" & more"
        );
        assert!(!t.body.contains("color"));
    }

    #[test]
    fn text_files_in_windows_1252_and_with_headers() {
        let t = extract(
            "note.txt",
            "text/plain",
            b"Approved for Jos\xe9 N\xfa\xf1ez",
        )
        .unwrap();
        assert_eq!(t.body, "Approved for José Núñez");
        let t = extract(
            "saved.txt",
            "text/plain",
            b"From: qpp@cms.hhs.gov\r\nSubject: Approved\r\n\r\nApproved.",
        )
        .unwrap();
        assert_eq!(t.headers[1], ("Subject".into(), "Approved".into()));
        assert_eq!(t.body, "Approved.");
    }

    #[test]
    fn what_cannot_be_read_says_why_and_never_panics() {
        let e = extract("scan.png", "image/png", b"\x89PNG....").unwrap_err();
        assert!(e.contains("scan.png") && e.contains("inventory"), "{e}");
        for junk in [&b"%PDF-1.7\n garbage"[..], b"", b"%PDF-", b"\x00\xff\x00"] {
            assert!(extract("x.pdf", "application/pdf", junk).is_err());
        }
        let long = "x".repeat(MAX_BODY_CHARS + 10);
        let t = extract("long.txt", "text/plain", long.as_bytes()).unwrap();
        assert!(t.body.ends_with("[… the rest is in the file]"));
    }

    #[test]
    fn a_pdf_with_text_gives_its_text() {
        let doc = crate::pdf::Document {
            title: "Approval for Łukasz Wróbel".into(),
            subtitle: vec![],
            sections: vec![],
        };
        let bytes = crate::pdf::render(&doc);
        let t = extract("approval.pdf", "application/pdf", &bytes).unwrap();
        assert!(t.body.contains("Approval for"), "{}", t.body);
    }
}
