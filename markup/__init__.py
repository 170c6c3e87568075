"""The one markup dialect every reply is written in (a small CommonMark subset), shared by every layer.

`markup.dialect` writes it (escape user text, bold, code) and reads it back (parse into blocks and spans, plain
text); each platform's renderer in adapters/ turns the parsed blocks into its own format.
"""
