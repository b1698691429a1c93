"""summarize_call: the post-call workflow's first step, the call summarized for the sales rep."""
