=== chapter_9 ===
{t("To be continued.", "Continuará.")} #chapter:9 #scene:stub_9
-> END
