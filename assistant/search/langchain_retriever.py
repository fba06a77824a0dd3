"""The hybrid search as a LangChain retriever, for use in any LangChain chain.

A module of its own: LangChain's retriever base class pulls in its tracers and langsmith (about
40 MB), which the question path of `corguide ask` does not need (issue 17).
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.search.retrieve import HybridSearch


class CorpusRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, for use in any LangChain chain."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    jurisdiction: str | None = None
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=s.chunk.text,
                metadata={**s.chunk.metadata(), "id": s.chunk.id, "similarity": s.similarity},
            )
            for s in self.search.search(query, jurisdiction=self.jurisdiction, k=self.k)
        ]
