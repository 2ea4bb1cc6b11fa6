"""Inter-agency exchange: edXML messages, XMLDSig, trust store, document axis (server and client).

A plain library: nothing here imports Plone or Zope.
"""
