//! `--size WxH`: the size of the picture of every command that draws an `--svg`. A size without
//! an `--svg` cannot apply, so clap refuses it (`requires`).

use clap::Args;

use journeysim_core::Error;
use journeysim_report::svg::Size;

/// The `--svg` picture's size.
#[derive(Args)]
pub struct PictureArgs {
    /// Size of the --svg picture in pixels, WIDTHxHEIGHT, from 800x450 to 10000x10000
    /// [default: 1280x720, a 16:9 slide].
    #[arg(long, value_name = "WxH", requires = "svg", value_parser = size)]
    size: Option<Size>,
}

impl PictureArgs {
    /// The size asked for, else a slide's.
    pub fn size(&self) -> Size {
        self.size.unwrap_or_default()
    }
}

/// Parses `--size`; clap names the flag and the value in front of the message.
fn size(text: &str) -> Result<Size, String> {
    Size::parse(text).map_err(|e| match e {
        Error::Option { message, .. } => message,
        other => other.to_string(),
    })
}
