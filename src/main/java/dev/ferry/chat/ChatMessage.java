package dev.ferry.chat;

/** One line of chat, as it travels between chatters' mailboxes. */
public record ChatMessage(String from, String text) {}
