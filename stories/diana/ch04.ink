=== chapter_4 ===
{t("To be continued.", "Continuará.")} #chapter:4 #scene:stub_4
-> END
