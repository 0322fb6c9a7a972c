"""Microsoft Teams on botbuilder: activities in, the core's Reply out as Adaptive Cards.

Everything that knows botbuilder lives in this folder, so moving to its successor (the Microsoft
365 Agents SDK) touches nothing else.
"""
