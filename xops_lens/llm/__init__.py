"""The parts every LLM backend shares: prompt and answer validation, redaction of the
payload, the persistent cache, token estimates, budgets and the relabelling engine.

A backend for one provider only has to turn a list of chat messages into the model's
text answer (see :class:`xops_lens.llm.engine.Transport`); everything that makes the
result safe, cheap and never worse than the rule backend lives here.
"""
