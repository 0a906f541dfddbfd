//! The page: one HTML document (the report's views and the what-if panel), its stylesheet and
//! its script, all served from here (nothing is fetched from elsewhere). The script is small and
//! hand-written (`assets/app.js`); it builds the scenario document from the panel's controls and
//! shows what the API answers.

use std::sync::Arc;

use axum::extract::State as Extract;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::api::State;

const TEMPLATE: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");

/// `GET /`: the page, with the model's name and the report's views filled in.
pub async fn index(Extract(state): Extract<Arc<State>>) -> Response {
    let (source, views) = state.page_parts();
    let page = TEMPLATE
        .replace("{{input}}", &escape(source))
        .replace("{{views}}", views);
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'",
        )],
        Html(page),
    )
        .into_response()
}

/// `GET /app.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

/// `GET /report.css`: the report's own stylesheet, for its views.
pub async fn report_style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        journeysim_report::html::STYLE,
    )
        .into_response()
}

/// `GET /app.css`.
pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_a_name_stays_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
