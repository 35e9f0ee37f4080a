=== chapter_8 ===
{t("To be continued.", "Continuará.")} #chapter:8 #scene:stub_8
-> END
